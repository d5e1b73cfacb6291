/** The benchmark suite must keep running: a quick pass of the benchmarks, checking shape, not speed. */
import { describe, expect, it } from "vitest";
import { runBenchmarks } from "../../bench/run.js";

describe("benchmarks (quick smoke run)", () => {
  it("measure allocation and pickup latency and report named figures", async () => {
    const lines: string[] = [];
    const results = [
      ...(await runBenchmarks({ quick: true, only: "allocation-in-process", log: (l) => lines.push(l) })),
      ...(await runBenchmarks({ quick: true, only: "pickup-history", log: (l) => lines.push(l) })),
      ...(await runBenchmarks({ quick: true, only: "outbox-stats", log: (l) => lines.push(l) })),
    ];
    const names = results.map((r) => r.name);
    expect(names).toEqual([
      "allocation.cycles_per_s.in_process",
      "allocation.cycles_per_s.bare_sqlite_commits",
      "allocation.commit_share_percent",
      "pickup.latency_ms.history_1000",
      "pickup.latency_ms.history_20000",
      "pickup.latency_ratio.large_vs_small_history",
      "outbox.stats_ms.backlog_5000",
      "outbox.count_ms.backlog_5000",
    ]);
    for (const r of results) {
      expect(Number.isFinite(r.value) && r.value > 0).toBe(true);
      expect(r.unit).toBeTruthy();
    }
    expect(lines.some((l) => l.includes("history of 20000 parcels"))).toBe(true);
  }, 120_000);

  it("push a backlog into a private PostgreSQL, with and without a central history", async () => {
    const lines: string[] = [];
    const results = [
      ...(await runBenchmarks({ quick: true, only: "sync-catch-up", log: (l) => lines.push(l) })),
      ...(await runBenchmarks({ quick: true, only: "sync-history", log: (l) => lines.push(l) })),
    ];
    expect(results.map((r) => r.name)).toEqual([
      "sync.catch_up_events_per_s",
      "sync.baseline_single_insert_events_per_s",
      "sync.speedup_vs_single_insert",
      "sync.one_event_per_call_events_per_s",
      "sync.speedup_vs_one_event_per_call",
      "sync.events_per_s.central_history_0",
      "sync.events_per_s.central_history_20000",
      "sync.slowdown.long_vs_no_central_history",
      "sync.resend_ms.central_history_0",
      "sync.resend_ms.central_history_20000",
      "sync.resend_slowdown.long_vs_no_central_history",
    ]);
    for (const r of results) expect(Number.isFinite(r.value) && r.value > 0).toBe(true);
    expect(lines.some((l) => l.includes("central history of 20000 events written"))).toBe(true);
  }, 180_000);
});
