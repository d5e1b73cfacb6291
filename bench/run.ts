/**
 * `npm run bench`: runs the benchmark suite and prints a table; `--json` prints one JSON object
 * per line instead (name, value, unit, ...); `--quick` runs smaller sizes (a smoke run);
 * `--only NAME` runs benchmarks whose name contains NAME.
 */
import { arch, cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { allocationInProcess } from "./cases/allocation.js";
import { centralCapacity } from "./cases/central-capacity.js";
import { centerIngest } from "./cases/center-ingest.js";
import { fleetAvailability } from "./cases/fleet-availability.js";
import { httpAndFootprint } from "./cases/http-and-footprint.js";
import { keypressExternal } from "./cases/keypress-external.js";
import { keypressToLock } from "./cases/keypress-to-lock.js";
import { outboxStats } from "./cases/outbox-stats.js";
import { pickupWithHistory } from "./cases/pickup-history.js";
import { syncCatchUp } from "./cases/sync-catchup.js";
import { syncWithHistory } from "./cases/sync-history.js";
import { twoProcesses } from "./cases/two-processes.js";
import type { Benchmark, BenchResult } from "./support/result.js";

export const BENCHMARKS: Record<string, Benchmark> = {
  "keypress-external": keypressExternal,
  "keypress-to-lock": keypressToLock,
  "allocation-in-process": allocationInProcess,
  "allocation-two-processes": twoProcesses,
  "pickup-history": pickupWithHistory,
  "http-and-footprint": httpAndFootprint,
  "sync-catch-up": syncCatchUp,
  "sync-history": syncWithHistory,
  "outbox-stats": outboxStats,
  "central-capacity": centralCapacity,
  "center-ingest": centerIngest,
  "fleet-availability": fleetAvailability,
};

export async function runBenchmarks(opts: { quick: boolean; only?: string; log: (l: string) => void }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [name, bench] of Object.entries(BENCHMARKS)) {
    if (opts.only && !name.includes(opts.only)) continue;
    opts.log(`running ${name}${opts.quick ? " (quick)" : ""}…`);
    results.push(...(await bench({ quick: opts.quick, log: opts.log })));
  }
  return results;
}

function table(results: BenchResult[]): string {
  const rows = results.map((r) => {
    const extra = Object.entries(r)
      .filter(([k]) => !["name", "value", "unit"].includes(k))
      .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
      .join(" ");
    return [r.name, String(r.value), r.unit, extra];
  });
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), 8));
  return rows.map((r) => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)} ${r[2]!.padEnd(w[2]!)}  ${r[3]}`).join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: "boolean" }, quick: { type: "boolean" }, only: { type: "string" } } });
  const machine = { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), arch: arch(), node: process.version };
  const log = (l: string) => process.stderr.write(l + "\n");
  const results = await runBenchmarks({ quick: values.quick ?? false, only: values.only, log });
  if (values.json) for (const r of results) process.stdout.write(JSON.stringify({ ...r, machine }) + "\n");
  else process.stdout.write(`\n${table(results)}\n\nmachine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.arch}, node ${machine.node}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, "/bench/"))) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
