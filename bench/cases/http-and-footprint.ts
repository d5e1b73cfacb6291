/**
 * Through the HTTP API of the real daemon process: allocation cycles per second, time from
 * start to ready, and resident memory idle and after the load.
 */
import type { Benchmark, BenchResult } from "../support/result.js";
import { deployedNodeFlags, startDaemonProcess, type RunningDaemon } from "../support/daemon.js";
import { nowMs } from "../support/stats.js";
import { round } from "./allocation.js";

// Doors are moved by the benchmark itself, far faster than people: no sensor settling or flap
// detection.
const BENCH_CONFIG = {
  hardware: { sim: { person: { enabled: false } } },
  doors: { sensorSettleMs: 0, flapWindowMs: 1, flapMaxChanges: 1000 },
};

async function post(d: RunningDaemon, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(d.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function httpCycle(d: RunningDaemon, i: number): Promise<void> {
  const a = await post(d, "/lockers/assign", { size: ["S", "M", "L"][i % 3], parcel: `HTTP-${i}` });
  const locker = a.lockerId as string;
  await post(d, `/sim/doors/${locker}`, { action: "open" });
  await post(d, `/sim/doors/${locker}`, { action: "close" });
  await post(d, "/pickup", { code: a.pickupCode });
  await post(d, `/sim/doors/${locker}`, { action: "open" });
  await post(d, `/sim/doors/${locker}`, { action: "close" });
}

export const httpAndFootprint: Benchmark = async ({ quick, log }) => {
  const results: BenchResult[] = [];
  const starts: number[] = [];
  for (let i = 0; i < (quick ? 1 : 5); i++) {
    const d = await startDaemonProcess(BENCH_CONFIG);
    starts.push(d.readyMs);
    await d.stop();
  }
  const d = await startDaemonProcess(BENCH_CONFIG);
  try {
    await new Promise((r) => setTimeout(r, quick ? 200 : 2000));
    const idle = d.rssMiB();
    const n = quick ? 30 : 1000;
    for (let i = 0; i < 20; i++) await httpCycle(d, i);
    const t0 = nowMs();
    for (let i = 0; i < n; i++) await httpCycle(d, 20 + i);
    const seconds = (nowMs() - t0) / 1000;
    const loaded = d.rssMiB();
    const ready = Math.min(...starts);
    const nodeFlags = deployedNodeFlags().join(" ") || "none";
    log(`  ${n} HTTP cycles in ${seconds.toFixed(2)} s`);
    results.push(
      { name: "allocation.cycles_per_s.http", value: round(n / seconds), unit: "cycles/s", cycles: n, requestsPerCycle: 6 },
      { name: "footprint.ready_ms", value: round(ready, 0), unit: "ms", runs: starts.length, all: starts.map((x) => round(x, 0)), target: "< 2000", met: ready < 2000 },
      { name: "footprint.rss_mib.idle", value: round(idle), unit: "MiB", target: "< 100", met: idle < 100, nodeFlags },
      { name: "footprint.rss_mib.after_load", value: round(loaded), unit: "MiB", afterCycles: n + 20, target: "< 100", met: loaded < 100, nodeFlags },
    );
  } finally {
    await d.stop();
  }
  return results;
};
