/**
 * Several OS processes work on one bank file at once: each assigns, deposits, abandons and
 * picks up as fast as it can. Afterwards the database must show no locker given to two
 * parcels at once, every parcel a worker was told about, and nothing it was not told about.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { tempDir } from "../support/bank.js";
import type { WorkerReport } from "../support/assign-worker.js";

let dir: string | undefined;
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startWorker(db: string, rounds: number, seed: number, busyTimeoutMs: number) {
  const child = spawn(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "test", "support", "assign-worker.ts"), db, String(rounds), String(seed), String(busyTimeoutMs)], {
    cwd: PACKAGE_ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, "exit");
  const ready = new Promise<void>((resolve, reject) => {
    lines.once("line", () => resolve());
    void exited.then(([code]) => reject(new Error(`worker exited ${String(code)} before it was ready: ${stderr}`)));
  });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    let last = "";
    lines.on("line", (l) => (last = l));
    void exited.then(([code]) => (code === 0 ? resolve(JSON.parse(last) as WorkerReport) : reject(new Error(`worker exited ${String(code)}: ${stderr}`))));
  });
  return { child, ready, report };
}

describe("several processes assigning on one database file", () => {
  it("never give one locker to two parcels and never lose a parcel", async () => {
    dir = tempDir("lockerd-multi-");
    const db = join(dir, "bank.db"); // fresh: the workers race to create the schema too
    // One patient worker and two that give up on a lock after 1 ms, so "busy" answers happen.
    const workers = [startWorker(db, 100, 1, 5000), startWorker(db, 100, 2, 1), startWorker(db, 100, 3, 1)];
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin!.end("go\n");
    const reports = await Promise.all(workers.map((w) => w.report));

    const store = new Store(openDatabase(db));
    try {
      const claimed = reports.flatMap((r) => r.assigned);
      const parcels = store.parcels.find({ limit: 100_000 });
      // No lost parcel and no phantom: the database holds exactly what the workers were told.
      expect(parcels.map((p) => p.id).sort()).toEqual(claimed.map((c) => c.parcelId).sort());
      expect(claimed.length).toBeGreaterThan(24); // the bank turned over, processes competed
      const byId = new Map(parcels.map((p) => [p.id, p]));
      for (const c of claimed) {
        const p = byId.get(c.parcelId)!;
        expect(p.lockerId).toBe(c.lockerId);
        expect(p.status).toBe({ picked_up: "PICKED_UP", abandoned: "CANCELLED", stored: "STORED" }[c.outcome]);
      }

      // One parcel per locker at any moment: in commit order, each locker's assignment is
      // followed by its release before the next assignment.
      const holder = new Map<string, string | null>();
      for (const e of store.events.after(0, 1_000_000)) {
        if (!e.lockerId) continue;
        if (e.type === "parcel.assigned") {
          expect(holder.get(e.lockerId) ?? null, `locker ${e.lockerId} assigned while holding a parcel`).toBeNull();
          holder.set(e.lockerId, e.parcelId);
        } else if (e.type === "locker.released") {
          expect(holder.get(e.lockerId)).toBe(e.parcelId);
          holder.set(e.lockerId, null);
        }
      }
      // Lockers agree with their parcels now.
      for (const l of store.lockers.list()) {
        const p = store.parcels.inLocker(l.id);
        expect(l.status).toBe(p ? "OCCUPIED" : "AVAILABLE");
        expect(holder.get(l.id) ?? null).toBe(p?.id ?? null);
      }
      const total = reports.reduce((n, r) => n + r.assigned.length + r.noLocker, 0);
      expect(total).toBeGreaterThan(0);
      // Busy answers are allowed (and counted) but never lose work: the checks above hold.
      const busy = reports.reduce((n, r) => n + r.busy, 0);
      console.info(`multi-process: ${claimed.length} parcels, ${busy} busy answers, ${reports.reduce((n, r) => n + r.noLocker, 0)} full-bank answers`);
    } finally {
      store.close();
    }
  }, 120_000);
});
