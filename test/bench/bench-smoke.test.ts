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

describe("fleet availability benchmark (quick smoke run)", () => {
  it("loads a small fleet, reads availability through SQL and HTTP at rising rates and reports named figures", async () => {
    const lines: string[] = [];
    const results = await runBenchmarks({ quick: true, only: "fleet-availability", log: (l) => lines.push(l) });
    const names = results.map((r) => r.name);
    expect(names).toContain("fleet.fleet_wide_totals_ms");
    for (const rate of [50, 100]) {
      expect(names).toContain(`fleet.sql_availability_p99_ms.rate_${rate}`);
      expect(names).toContain(`fleet.availability_p99_ms.rate_${rate}`);
      expect(names).toContain(`fleet.cpu_ms_per_read.rate_${rate}`);
    }
    expect(names).toContain("fleet.bank_availability_p99_ms");
    // the instance's in-memory copy: loaded, and a commit read back through it (how many reads
    // fell back to PostgreSQL is logged, not asserted: a machine paused for seconds makes any copy stale)
    expect(names).toContain("fleet.copy_load_ms");
    expect(names).toContain("fleet.copy_lag_ms");
    expect(lines.some((l) => l.startsWith("  reads answered by PostgreSQL instead of the copy (1 instance): "))).toBe(true);
    for (const r of results) expect(Number.isFinite(r.value) && r.value > 0, r.name).toBe(true);
    // every read answered 200 (a refused token or a bad query would count as errors)
    for (const r of results.filter((x) => x.name.startsWith("fleet.availability_p99"))) expect(r.errors).toBe(0);
    expect(lines.some((l) => l.includes("fleet loaded: 300 banks, 39000 lockers"))).toBe(true);
    // the carrier's question is answered from the free-locker index, never by counting lockers
    expect(lines.find((l) => l.includes("plan:"))).toMatch(/Index Only Scan using locker_counts_free/);
  }, 180_000);
});
