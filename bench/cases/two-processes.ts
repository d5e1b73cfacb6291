/** Allocation throughput with two OS processes writing the same database file at once. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/database.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import type { Benchmark } from "../support/result.js";
import { nowMs } from "../support/stats.js";
import { round } from "./allocation.js";

function worker(db: string, n: number, offset: number): Promise<{ ms: number; busy: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "bench/support/cycle-worker.ts"), db, String(n), String(offset)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as { ms: number; busy: number }) : reject(new Error(`worker exited ${code}`))));
  });
}

export const twoProcesses: Benchmark = async ({ quick, log }) => {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-bench-2p-"));
  const db = join(dir, "shared.db");
  openDatabase(db).close(); // migrate once before the race
  try {
    const n = quick ? 30 : 600;
    const t0 = nowMs();
    const [a, b] = await Promise.all([worker(db, n, 0), worker(db, n, 1_000_000)]);
    const seconds = (nowMs() - t0) / 1000;
    log(`  two processes: ${n} cycles each in ${seconds.toFixed(2)} s (busy answers: ${a!.busy + b!.busy})`);
    return [{ name: "allocation.cycles_per_s.two_processes", value: round((2 * n) / seconds), unit: "cycles/s", cyclesPerProcess: n, busyAnswers: a!.busy + b!.busy, note: "includes process start" }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
