/**
 * A power cut, modelled: the real daemon runs with an LD_PRELOAD shim that keeps, beside its
 * data directory, only what completed fsync/fdatasync calls made durable (content and directory
 * names; test/support/power-cut.c). Couriers and customers work through the API; the daemon is
 * killed with SIGKILL right after the Nth acknowledged answer while other requests are in
 * flight; the data directory is then rebuilt from the durable images alone (no -shm) and
 * reopened. Every answer anyone received must be in it: what left the process was on disk.
 * A second daemon runs a CU16 bank over a pty whose simulated boards (in this process) see every
 * unlock; it is cut right after the Nth unlock, with the shim's syncs slowed down as on a card,
 * and every door unlocked must have its intent in what the cut left.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { BoardBus } from "../../src/simulator/board-bus.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { openPtyPair } from "../support/pty-pair.js";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon-process.js";
import { powerCut, type PowerCut } from "../support/power-cut.js";
import { checkInvariants } from "./invariants.js";

const CLIENTS = 4;
/** Acknowledged assignments and pickups before the cut. */
const CUT_AFTER = 30;
/** Doors seen unlocked before the cut (the CU16 case). */
const CUT_AFTER_UNLOCKS = 16;

let running: DaemonProcess[] = [];
let dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of running) await d.stop("SIGKILL");
  while (closers.length) await closers.pop()!();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  running = [];
  dirs = [];
});

function config(root: string, name: string, dataDir: string, extra: Record<string, unknown> = {}): string {
  const path = join(root, name);
  writeFileSync(
    path,
    JSON.stringify({
      dataDir,
      http: { port: 0 },
      // Doors are moved by the test itself (or the CU16 simulator's person): no settling, no flap detection.
      hardware: { sim: { person: { enabled: false } } },
      doors: { sensorSettleMs: 0, flapWindowMs: 1, flapMaxChanges: 1000 },
      log: { level: "info", pretty: false },
      ...extra,
    }),
  );
  return path;
}

/** A daemon's data directory (0700, empty) under a new root, watched by the power-cut shim. */
function watchedDataDir(prefix: string): { root: string; data: string; cut: PowerCut } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(root);
  const data = join(root, "data");
  mkdirSync(data, { mode: 0o700 });
  return { root, data, cut: powerCut(data, root) };
}

const TOKEN = "power-cut-token-0123456789abcdef";
const API = { api: { tokens: [{ name: "power-cut", role: "technician", sha256: createHash("sha256").update(TOKEN).digest("hex") }] } };

interface Seen {
  /** Answers no run should give (a bad token, a broken request): the work stops at the first. */
  unexpected: string[];
  assigned: Map<string, string>; // parcel → locker, from each 201 received
  pickedUp: Set<string>; // parcels whose pickup answered 200 (a pickup intent committed)
}

/** Couriers and customers until the daemon dies; calls `onAck` after each acknowledged assignment or pickup. */
async function work(url: string, seen: Seen, onAck: () => void, moveDoors = true): Promise<void> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const client = async (n: number) => {
    for (let i = 0; i < 1000; i++) {
      const a = await call("POST", "/lockers/assign", { size: ["S", "M", "L"][(n + i) % 3], parcel: `CUT-${n}-${i}` });
      if (a.body.code === "NO_LOCKER_AVAILABLE") continue;
      if (a.status !== 201) return void seen.unexpected.push(`assign: ${a.status} ${JSON.stringify(a.body)}`);
      const parcel = a.body.parcelId as string;
      const locker = a.body.lockerId as string;
      seen.assigned.set(parcel, locker);
      onAck();
      if (moveDoors) await call("POST", `/sim/doors/${locker}`, { action: "open" });
      if (moveDoors) await call("POST", `/sim/doors/${locker}`, { action: "close" });
      for (let t = 0; t < 300 && (await call("GET", `/packages/${parcel}`)).body.status !== "STORED"; t++) await new Promise((r) => setTimeout(r, 10));
      const p = await call("POST", "/pickup", { code: a.body.pickupCode });
      if (p.status !== 200) continue;
      seen.pickedUp.add(parcel);
      onAck();
      if (moveDoors) await call("POST", `/sim/doors/${locker}`, { action: "open" });
      if (moveDoors) await call("POST", `/sim/doors/${locker}`, { action: "close" });
    }
  };
  // Each client ends when its connection dies with the daemon.
  await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n).catch(() => undefined)));
}

/** A process that writes, syncs some of it and is killed: what the model keeps (run in the watched directory). */
const SOME_SYNCED = `
const fs = require("node:fs");
const a = fs.openSync("a", "w");
fs.writeSync(a, "synced");
fs.fdatasyncSync(a);
fs.writeSync(a, " lost");
fs.appendFileSync("old", " lost");
fs.fsyncSync(fs.openSync(".", "r"));
fs.writeFileSync("b", "synced, never named");
fs.fsyncSync(fs.openSync("b", "r"));
process.kill(process.pid, "SIGKILL");
`;

describe("a power cut mid-work", () => {
  it("the model keeps only what a completed sync made durable, and only names a synced directory holds", () => {
    const root = mkdtempSync(join(tmpdir(), "lockerd-power-cut-model-"));
    dirs.push(root);
    const data = join(root, "data");
    mkdirSync(data);
    writeFileSync(join(data, "old"), "before");
    const cut = powerCut(data, root);
    const run = spawnSync(process.execPath, ["-e", SOME_SYNCED], { cwd: data, env: { ...process.env, ...cut.env }, encoding: "utf8" });
    expect(run.signal, run.stderr).toBe("SIGKILL");
    // The kernel kept every write: a process's death loses nothing.
    expect(readFileSync(join(data, "a"), "utf8")).toBe("synced lost");
    expect(readFileSync(join(data, "old"), "utf8")).toBe("before lost");
    expect(existsSync(join(data, "b"))).toBe(true);

    const after = join(root, "after-cut");
    cut.cutImage(after);
    expect(readdirSync(after).sort()).toEqual(["a", "old"]);
    expect(readFileSync(join(after, "a"), "utf8")).toBe("synced");
    expect(readFileSync(join(after, "old"), "utf8")).toBe("before");
  });


  it("keeps every assignment and pickup anyone was told of, and the bank carries on", async () => {
    const { root, data, cut } = watchedDataDir("lockerd-power-cut-");

    const d = await startDaemonProcess({ config: config(root, "config.json", data, API), env: cut.env });
    running.push(d);
    const seen: Seen = { unexpected: [], assigned: new Map(), pickedUp: new Set() };
    let acks = 0;
    await work(d.url, seen, () => {
      // At once, in the same turn the answer was read: the other clients' requests are in flight.
      if (++acks === CUT_AFTER) d.proc.kill("SIGKILL");
    });
    expect(seen.unexpected).toEqual([]);
    expect((await d.exited).signal, d.stderr()).toBe("SIGKILL");
    expect(acks).toBeGreaterThanOrEqual(CUT_AFTER);

    const after = join(root, "after-cut");
    const names = cut.cutImage(after);
    expect(names).toEqual(expect.arrayContaining(["lockerd.db", "lockerd.db-wal"]));

    // Reopened read-write, as the daemon would: SQLite recovers the WAL's committed frames.
    const db = new Database(join(after, "lockerd.db"));
    const report = checkInvariants(db);
    // A pickup's answer means its door intent was committed (the parcel is PICKED_UP once the door opens).
    const pickupIntents = new Set((db.prepare(`SELECT parcel_id AS p FROM door_intents WHERE purpose = 'pickup'`).all() as { p: string }[]).map((r) => r.p));
    db.close();
    expect(report.problems).toEqual([]);
    const parcels = new Map(report.parcels.map((p) => [p.id, p]));
    const lost = [...seen.assigned].filter(([id, locker]) => parcels.get(id)?.lockerId !== locker).map(([id]) => id);
    expect(lost, `acknowledged assignments missing after the cut (${seen.assigned.size} acknowledged)`).toEqual([]);
    const unpicked = [...seen.pickedUp].filter((id) => !pickupIntents.has(id));
    expect(unpicked, `acknowledged pickups missing after the cut (${seen.pickedUp.size} acknowledged)`).toEqual([]);
    expect(seen.pickedUp.size, "the work reached pickups before the cut").toBeGreaterThan(0);

    // The bank carries on from what the cut left.
    const again = await startDaemonProcess({ config: config(root, "after-cut.json", after, API) });
    running.push(again);
    const next = await fetch(`${again.url}/lockers/assign`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ size: "S", parcel: "AFTER-CUT" }) });
    expect(next.status).toBe(201);
    await again.stop();
    expect(checkInvariants(join(after, "lockerd.db")).problems).toEqual([]);
  }, 60_000);

  it("opens no door for a door intent the cut lost (a CU16 bank over a pty, its unlocks seen by the test)", async () => {
    const { root, data, cut } = watchedDataDir("lockerd-power-cut-doors-");
    const pty = await openPtyPair();
    closers.push(() => pty.close());
    const layout = JSON.parse(readFileSync(join(PACKAGE_ROOT, "hardware/layouts/demo-24.json"), "utf8")) as { columns: { lockers: { id: string; lock: { board: number; channel: number } }[] }[] };
    const lockerAt = new Map(layout.columns.flatMap((c) => c.lockers.map((l) => [`${l.lock.board}/${l.lock.channel}`, l.id])));
    const unlocks = new Map<string, number>();
    let seenUnlocks = 0;
    let daemon: DaemonProcess | null = null;
    const bus = new BoardBus({
      protocol: "cu16",
      device: pty.peer,
      boards: [0, 1],
      person: { enabled: true, openDelayMs: 30, closeDelayMs: 120 },
      onChange: (c) => {
        if (c.kind !== "unlock") return;
        const id = lockerAt.get(`${c.board}/${c.channel}`) ?? `${c.board}/${c.channel}`;
        unlocks.set(id, (unlocks.get(id) ?? 0) + 1);
        // Cut right after a door was seen unlocked: its intent's flush, if it had not been done, is lost.
        if (++seenUnlocks === CUT_AFTER_UNLOCKS) daemon?.proc.kill("SIGKILL");
      },
    });
    await bus.start();
    closers.push(() => bus.stop());
    const cu16 = {
      bank: { id: "power-cut", layout: join(PACKAGE_ROOT, "hardware/layouts/demo-24.json") },
      hardware: {
        driver: "cu16",
        // No retries, and time to answer on a busy machine: a retried unlock would pulse one intent twice.
        serial: { path: pty.device, pollMs: 25, responseTimeoutMs: 2000, retries: 0, backoffMaxMs: 300 },
        cu16: { lockedBit: 1, itemSensors: false },
      },
    };

    const d = await startDaemonProcess({ config: config(root, "config.json", data, { ...API, ...cu16 }), env: { ...cut.env, POWERCUT_SYNC_MS: "20" } });
    running.push(d);
    daemon = d;
    const seen: Seen = { unexpected: [], assigned: new Map(), pickedUp: new Set() };
    await work(d.url, seen, () => undefined, false);
    expect(seen.unexpected).toEqual([]);
    expect((await d.exited).signal, d.stderr()).toBe("SIGKILL");
    expect(seenUnlocks).toBeGreaterThanOrEqual(CUT_AFTER_UNLOCKS);

    const after = join(root, "after-cut");
    cut.cutImage(after);
    const db = new Database(join(after, "lockerd.db"));
    const report = checkInvariants(db);
    const intents = new Map((db.prepare(`SELECT locker_id AS l, count(*) AS n FROM door_intents GROUP BY locker_id`).all() as { l: string; n: number }[]).map((r) => [r.l, r.n]));
    db.close();
    expect(report.problems).toEqual([]);
    // Each unlock pulses an intent committed (and flushed) before it; none is pulsed twice here.
    const unexplained = [...unlocks].filter(([locker, n]) => n > (intents.get(locker) ?? 0));
    expect(unexplained, `doors unlocked without a durable intent (intents: ${JSON.stringify([...intents])})`).toEqual([]);
    const parcels = new Map(report.parcels.map((p) => [p.id, p]));
    expect([...seen.assigned].filter(([id, locker]) => parcels.get(id)?.lockerId !== locker)).toEqual([]);
  }, 30_000);
});
