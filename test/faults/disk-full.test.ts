/**
 * The disk fills up (a real, small tmpfs filled to the last byte): assignments pause with a
 * clear error and an alarm, stored parcels can still be picked up, nothing is lost, and the
 * bank recovers by itself when space returns. Needs root to mount the tmpfs (CI runs as root).
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { createLogger } from "../../src/system/logger.js";
import { api, until, writeConfig } from "./daemon-setup.js";
import { checkInvariants } from "./invariants.js";

function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), "lockerd-mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const mountable = canMountTmpfs();
let mnt: string;
let daemon: Daemon;

/** Fill the filesystem until the kernel says no more. */
function fillDisk(path: string): void {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
  // The last few bytes, in small pieces.
  const fd2 = openSync(path + ".tail", "w");
  try {
    for (;;) writeSync(fd2, Buffer.alloc(512));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd2);
  }
}

describe.runIf(mountable)("a full disk", () => {
  beforeAll(async () => {
    mnt = mkdtempSync(join(tmpdir(), "lockerd-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt]);
    const data = join(mnt, "data");
    mkdirSync(data);
    const cfg = writeConfig(data, {
      storage: { ballastBytes: 1024 * 1024, checkIntervalMs: 100 },
      hardware: { sim: { person: { enabled: true, openDelayMs: 20, closeDelayMs: 300 } } },
      log: { level: "silent" },
    });
    daemon = await startDaemon(loadConfig({ path: cfg, env: {} }), createLogger({ level: "silent", pretty: false }));
  });

  afterAll(async () => {
    await daemon?.stop();
    if (mnt) {
      execFileSync("umount", [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  it("pauses assignments with a clear error, keeps pickups working, and recovers when space returns", async () => {
    const url = daemon.url!;
    const stored: { parcelId: string; pickupCode: string; lockerId: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await api(url, "POST", "/lockers/assign", { size: "M", parcel: `FULL-${i}` });
      expect(a.status).toBe(201);
      stored.push(a.body as (typeof stored)[number]);
    }
    for (const p of stored) await until(async () => ((await api(url, "GET", `/packages/${p.parcelId}`)).body.status === "STORED" ? true : undefined));

    fillDisk(join(mnt, "filler"));

    // The first write that meets the full disk frees the ballast; from then on assignments pause.
    let refused: { status: number; body: Record<string, unknown> } | null = null;
    for (let i = 0; i < 50 && !refused; i++) {
      const a = await api(url, "POST", "/lockers/assign", { size: "S", parcel: `LATE-${i}` });
      if (a.status !== 201) refused = a;
      else stored.push(a.body as (typeof stored)[number]);
    }
    expect(refused?.status).toBe(507);
    expect(refused?.body.code).toBe("STORAGE_FULL");
    expect(String(refused?.body.message)).toMatch(/paused|full/);

    // A customer still gets their parcel.
    const first = stored[0]!;
    const p = await api(url, "POST", "/pickup", { code: first.pickupCode });
    expect(p.status).toBe(200);
    await until(async () => ((await api(url, "GET", `/packages/${first.parcelId}`)).body.status === "PICKED_UP" ? true : undefined));

    const alarms = daemon.store.events.query({ type: "alarm.storage_full" });
    expect(alarms).toHaveLength(1);

    // Space returns: the bank resumes by itself.
    rmSync(join(mnt, "filler"));
    rmSync(join(mnt, "filler.tail"));
    await until(async () => ((await api(url, "POST", "/lockers/assign", { size: "L" })).status === 201 ? true : undefined));
    expect(daemon.store.events.query({ type: "alarm.storage_recovered" })).toHaveLength(1);

    // Nothing already stored was lost.
    const report = checkInvariants(daemon.store.db);
    expect(report.problems).toEqual([]);
    for (const s of stored) expect(report.parcels.some((x) => x.id === s.parcelId)).toBe(true);
  }, 60_000);
});
