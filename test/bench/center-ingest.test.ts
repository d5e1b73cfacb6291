/**
 * The center-ingest benchmark, small: prepared batches of the real sync code sent by several
 * connections as the ingest role, then projected by projector loops; every event of every bank
 * held once in central.events. Shape and accounting only, no timing.
 */
import { expect, it } from "vitest";
import { runCenterIngest } from "../../bench/cases/center-ingest.js";
import { runBenchmarks } from "../../bench/run.js";
import type { BenchResult } from "../../bench/support/result.js";

const figure = (results: BenchResult[], name: string): BenchResult => {
  const r = results.find((x) => x.name === name);
  if (!r) throw new Error(`no figure ${name}`);
  return r;
};

it("quick run: every event acknowledged, landed or projected in the call, all projected once, ratios to the bare insert reported", async () => {
  const lines: string[] = [];
  const results = await runBenchmarks({ quick: true, only: "center-ingest", log: (l) => lines.push(l) });
  expect(results.map((r) => r.name)).toEqual([
    "center.ingest.acknowledged_events_per_s",
    "center.ingest.projected_events_per_s",
    "center.ingest.bare_insert_rows_per_s",
    "center.ingest.acknowledged_vs_bare",
    "center.ingest.projected_vs_bare",
    "center.ingest.events_checked",
  ]);
  // 40 banks, 100 events and the lockers' snapshot each
  const acked = figure(results, "center.ingest.acknowledged_events_per_s");
  expect(acked.events).toBe(40 * 101);
  expect(acked.inlineSlots).toBe(2);
  expect(Number(acked.landedEvents) + Number(acked.projectedInlineEvents)).toBe(40 * 101);
  expect(figure(results, "center.ingest.projected_events_per_s").events).toBe(acked.landedEvents);
  expect(figure(results, "center.ingest.events_checked")).toMatchObject({ value: 40 * 101, banksChecked: 40, banksWrong: 0, missing: 0, doubled: 0 });
  expect(figure(results, "center.ingest.bare_insert_rows_per_s").rows).toBe(40 * 101);
  for (const r of results) expect(Number.isFinite(r.value) && r.value > 0).toBe(true);
}, 120_000);

it("with no inline slot every batch lands, and the projector loops project each event once", async () => {
  const results = await runCenterIngest({ banks: 12, eventsPerBank: 30, connections: 3, batchSize: 10, batchesPerCall: 2, inlineSlots: 0 }, () => {});
  // 31 events a bank in batches of 10: four batches each, all landed
  const acked = figure(results, "center.ingest.acknowledged_events_per_s");
  expect({ landed: acked.landedEvents, inline: acked.projectedInlineEvents }).toEqual({ landed: 12 * 31, inline: 0 });
  expect(figure(results, "center.ingest.projected_events_per_s").events).toBe(12 * 31);
  expect(figure(results, "center.ingest.events_checked")).toMatchObject({ value: 12 * 31, banksChecked: 12, banksWrong: 0 });
}, 120_000);
