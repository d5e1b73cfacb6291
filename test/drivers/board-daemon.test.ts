import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { loadConfig, type ResolvedConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { createLogger } from "../../src/system/logger.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { BoardBus } from "../../src/simulator/board-bus.js";
import { openPtyPair, type PtyPair } from "../support/pty-pair.js";
import { waitFor } from "../support/wait-for.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The shipped rehearsal configuration, pointed at this test's pty, data dir and a free port. */
function exampleConfig(name: string, dir: string, serialPath: string): ResolvedConfig {
  const cfg = loadConfig({ path: join(PACKAGE_ROOT, "hardware", name), env: {} });
  return {
    ...cfg,
    http: { ...cfg.http, port: 0 },
    hardware: { ...cfg.hardware, serial: { ...cfg.hardware.serial, path: serialPath, pollMs: 25, responseTimeoutMs: 200, retries: 1, backoffMaxMs: 300 } },
    paths: { ...cfg.paths, database: join(dir, "lockerd.db"), secret: join(dir, "secret.key") },
  };
}

async function rehearsal(protocol: "cu16" | "8a80", boards: number[]): Promise<{ daemon: Daemon; bus: BoardBus; pty: PtyPair }> {
  const dir = mkdtempSync(join(tmpdir(), `lockerd-${protocol}-daemon-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const bus = new BoardBus({ protocol, device: pty.peer, boards, person: { enabled: true, openDelayMs: 80, closeDelayMs: 600 } });
  await bus.start();
  cleanups.push(() => bus.stop());
  const daemon = await startDaemon(exampleConfig(`config.${protocol}-sim.example.json`, dir, pty.device), createLogger({ level: "silent" }));
  cleanups.push(() => daemon.stop());
  return { daemon, bus, pty };
}

describe("the daemon on RS-485 lock boards (simulated over a pty)", () => {
  it("assign → deposit → pickup with the cu16 driver", async () => {
    const { daemon, bus } = await rehearsal("cu16", [0, 1]);
    expect(daemon.lockBank.kind).toBe("cu16");
    expect(daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { ctx, store } = daemon;

    const a = await assignLocker(ctx, { size: "M", trackingRef: "REF-1" });
    const wire = daemon.layout.lockers.find((l) => l.id === a.lockerId)!.lock;
    expect(bus.board(wire.board!).unlocks).toEqual([wire.channel]);
    await waitFor("the deposit to be stored", () => store.parcels.get(a.parcelId)?.status === "STORED");
    expect(store.lockers.get(a.lockerId)?.status).toBe("OCCUPIED");

    const p = await pickupByCode(ctx, a.pickupCode, { channel: "http" });
    expect(p).toEqual({ parcelId: a.parcelId, lockerId: a.lockerId });
    expect(bus.board(wire.board!).unlocks).toEqual([wire.channel, wire.channel]);
    await waitFor("the pickup to finish", () => store.lockers.get(a.lockerId)?.status === "AVAILABLE");
    expect(store.parcels.get(a.parcelId)?.status).toBe("PICKED_UP");
    const types = store.events.query({ lockerId: a.lockerId }).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["parcel.assigned", "door.opened", "parcel.stored", "parcel.picked_up", "door.closed"]));
    expect(types).not.toContain("alarm.door_forced");
  });

  it("assign → deposit → pickup with the 8a80 driver; a silent board's lockers are not assigned", async () => {
    const { daemon, bus } = await rehearsal("8a80", [1, 2]);
    const { ctx, store } = daemon;
    bus.board(1).behaviour.silent = true;
    await waitFor("board 1 offline", () => daemon.lockBank.offline().has("A01"));
    expect(store.events.query({ type: "hardware.offline" })).toHaveLength(1);

    // Every S locker is on board 1: an S parcel gets the smallest locker on board 2 that fits.
    const a = await assignLocker(ctx, { size: "S" });
    expect(daemon.layout.lockers.find((l) => l.id === a.lockerId)!.lock.board).toBe(2);
    await waitFor("the deposit to be stored", () => store.parcels.get(a.parcelId)?.status === "STORED");
    await pickupByCode(ctx, a.pickupCode, { channel: "http" });
    await waitFor("the pickup to finish", () => store.lockers.get(a.lockerId)?.status === "AVAILABLE");
    expect(store.parcels.get(a.parcelId)?.status).toBe("PICKED_UP");

    bus.board(1).behaviour.silent = false;
    await waitFor("board 1 back", () => store.events.query({ type: "hardware.online" }).length === 1);
    expect(daemon.lockBank.offline().size).toBe(0);
  });
});
