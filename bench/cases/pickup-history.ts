/**
 * Pickup latency with a long history: the same measurement with a thousand and with a million
 * parcels (and their events) in the database. Lookups go through indexes, so it must not grow.
 */
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import type { Db } from "../../src/store/database.js";
import { openBenchBank } from "../support/bank.js";
import type { Benchmark, BenchResult } from "../support/result.js";
import { nowMs, summarise } from "../support/stats.js";
import { round } from "./allocation.js";

/** Fill the history with finished parcels and their events, in one transaction of plain SQL. */
function fillHistory(db: Db, parcels: number): void {
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO parcels (id, tracking_ref, size, locker_id, status, in_locker, code_hash, created_at, expires_at, stored_at, picked_up_at, released_at)
       SELECT printf('p_h%019d', i), 'HIST-' || i, 'S', printf('%s%02d', substr('ABCD', (i % 24) / 6 + 1, 1), i % 6 + 1),
              'PICKED_UP', 0, NULL, 1700000000000 + i * 1000, 1700000000000 + i * 1000 + 259200000,
              1700000000000 + i * 1000 + 60000, 1700000000000 + i * 1000 + 3600000, 1700000000000 + i * 1000 + 3660000
       FROM n`,
    ).run(parcels);
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO events (type, at, clock_synced, locker_id, parcel_id, data, sent_at)
       SELECT 'parcel.picked_up', 1700000000000 + i * 1000, 1, 'A01', printf('p_h%019d', i), '{}', 1700000000000 + i * 1000 FROM n`,
    ).run(parcels);
  }).immediate();
}

async function measure(history: number, samples: number, log: (l: string) => void): Promise<BenchResult> {
  const bank = await openBenchBank();
  try {
    const t0 = nowMs();
    fillHistory(bank.ctx.store.db, history);
    log(`  history of ${history} parcels written in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
    const times: number[] = [];
    for (let i = 0; i < samples + 20; i++) {
      const a = await assignLocker(bank.ctx, { size: "S" });
      bank.cycleDoor(a.lockerId);
      const start = nowMs();
      await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad", id: "bench" });
      const took = nowMs() - start;
      if (i >= 20) times.push(took); // the first 20 warm up
      bank.cycleDoor(a.lockerId);
    }
    const s = summarise(times);
    return { name: `pickup.latency_ms.history_${history}`, value: round(s.median, 3), unit: "ms", p99: round(s.p99, 3), samples: s.n, history };
  } finally {
    await bank.close();
  }
}

export const pickupWithHistory: Benchmark = async ({ quick, log }) => {
  const small = await measure(1000, quick ? 30 : 300, log);
  const large = await measure(quick ? 20_000 : 1_000_000, quick ? 30 : 300, log);
  const ratio = large.value / small.value;
  return [
    small,
    large,
    { name: "pickup.latency_ratio.large_vs_small_history", value: round(ratio, 2), unit: "x", target: "<= 1.2", met: ratio <= 1.2 },
  ];
};
