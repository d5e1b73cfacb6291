/**
 * A power cut, modelled: the real daemon runs with an LD_PRELOAD shim that keeps, beside its
 * data directory, only what completed fsync/fdatasync calls made durable (content and directory
 * names; test/support/power-cut.c). Couriers and customers work through the API; the daemon is
 * killed with SIGKILL right after the Nth acknowledged answer while other requests are in
 * flight; the data directory is then rebuilt from the durable images alone (no -shm) and
 * reopened. Every answer anyone received must be in it: what left the process was on disk.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon-process.js";
import { powerCut } from "../support/power-cut.js";
import { checkInvariants } from "./invariants.js";

const CLIENTS = 4;
/** Acknowledged assignments and pickups before the cut. */
const CUT_AFTER = 30;

let running: DaemonProcess[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const d of running) await d.stop("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  running = [];
  dirs = [];
});

function config(root: string, name: string, dataDir: string): string {
  const path = join(root, name);
  writeFileSync(
    path,
    JSON.stringify({
      dataDir,
      http: { port: 0 },
      // Doors are moved by the test itself: no settling, no flap detection.
      hardware: { sim: { person: { enabled: false } } },
      doors: { sensorSettleMs: 0, flapWindowMs: 1, flapMaxChanges: 1000 },
      log: { level: "info", pretty: false },
    }),
  );
  return path;
}

interface Seen {
  assigned: Map<string, string>; // parcel → locker, from each 201 received
  pickedUp: Set<string>; // parcels whose pickup answered 200 (a pickup intent committed)
}

/** Couriers and customers until the daemon dies; calls `onAck` after each acknowledged assignment or pickup. */
async function work(url: string, seen: Seen, onAck: () => void): Promise<void> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const client = async (n: number) => {
    for (let i = 0; i < 1000; i++) {
      const a = await call("POST", "/lockers/assign", { size: ["S", "M", "L"][(n + i) % 3], parcel: `CUT-${n}-${i}` });
      if (a.status !== 201) continue;
      const parcel = a.body.parcelId as string;
      const locker = a.body.lockerId as string;
      seen.assigned.set(parcel, locker);
      onAck();
      await call("POST", `/sim/doors/${locker}`, { action: "open" });
      await call("POST", `/sim/doors/${locker}`, { action: "close" });
      for (let t = 0; t < 100 && (await call("GET", `/packages/${parcel}`)).body.status !== "STORED"; t++) await new Promise((r) => setTimeout(r, 10));
      const p = await call("POST", "/pickup", { code: a.body.pickupCode });
      if (p.status !== 200) continue;
      seen.pickedUp.add(parcel);
      onAck();
      await call("POST", `/sim/doors/${locker}`, { action: "open" });
      await call("POST", `/sim/doors/${locker}`, { action: "close" });
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
    const root = mkdtempSync(join(tmpdir(), "lockerd-power-cut-"));
    dirs.push(root);
    const data = join(root, "data");
    mkdirSync(data, { mode: 0o700 });
    const cut = powerCut(data, root);

    const d = await startDaemonProcess({ config: config(root, "config.json", data), env: cut.env });
    running.push(d);
    const seen: Seen = { assigned: new Map(), pickedUp: new Set() };
    let acks = 0;
    await work(d.url, seen, () => {
      // At once, in the same turn the answer was read: the other clients' requests are in flight.
      if (++acks === CUT_AFTER) d.proc.kill("SIGKILL");
    });
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
    const again = await startDaemonProcess({ config: config(root, "after-cut.json", after) });
    running.push(again);
    const next = await fetch(`${again.url}/lockers/assign`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ size: "S", parcel: "AFTER-CUT" }) });
    expect(next.status).toBe(201);
    await again.stop();
    expect(checkInvariants(join(after, "lockerd.db")).problems).toEqual([]);
  }, 60_000);
});
