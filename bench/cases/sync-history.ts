/**
 * Sync against a long central history: the same backlog ingested for a bank the central
 * database holds nothing of yet, and for one with a million events (250,000 parcels) already
 * held; then its last batch sent again, as after an answer lost on the way. Ingest finds what
 * it needs by key (the bank's last seq, one probe per parcel or re-sent event), so neither
 * must slow down as a bank's history grows over the years.
 */
import type pg from "pg";
import { createBank } from "../../src/central/banks.js";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { openBenchBank } from "../support/bank.js";
import { startBenchCentral, type BenchCentral } from "../support/central.js";
import type { Benchmark, BenchResult } from "../support/result.js";
import { nowMs } from "../support/stats.js";
import { round } from "./allocation.js";
import { fillOutbox, syncLoop } from "./sync-catchup.js";

/** Events 1..n of a bank, a parcel per four events, all picked up, in one month of 2026. */
export async function seedHistory(admin: pg.Client, bankId: string, n: number): Promise<void> {
  const from = "2026-06-01T00:00:00Z";
  await admin.query("CREATE TABLE central.events_2026_06 PARTITION OF central.events FOR VALUES FROM ('2026-06-01Z') TO ('2026-07-01Z')");
  await admin.query(
    `INSERT INTO central.events (bank_id, seq, at, clock_synced, type, locker_id, parcel_id, data)
     SELECT $1, i, $3::timestamptz + i * interval '1 second', true,
            CASE i % 4 WHEN 1 THEN 'parcel.assigned' WHEN 2 THEN 'parcel.stored' WHEN 3 THEN 'parcel.picked_up' ELSE 'locker.released' END,
            'A01', 'h_' || (i - 1) / 4, '{}'
     FROM generate_series(1, $2::bigint) i`,
    [bankId, n, from],
  );
  await admin.query(
    `INSERT INTO central.parcels (bank_id, parcel_id, locker_id, tracking_ref, size, locker_size, status, status_seq, status_at,
                                  assigned_at, stored_at, picked_up_at)
     SELECT $1, 'h_' || p, 'A01', 'HIST-' || p, 'S', 'S', 'PICKED_UP', p * 4 + 3, $3::timestamptz + (p * 4 + 3) * interval '1 second',
            $3::timestamptz + (p * 4 + 1) * interval '1 second', $3::timestamptz + (p * 4 + 2) * interval '1 second',
            $3::timestamptz + (p * 4 + 3) * interval '1 second'
     FROM generate_series(0, $2::bigint / 4 - 1) p`,
    [bankId, n, from],
  );
  await admin.query("UPDATE central.banks SET last_seq = $2 WHERE id = $1", [bankId, n]);
  // as autovacuum would have done by the time a bank has that much history
  await admin.query("ANALYZE central.events, central.parcels");
}

/** The backlog's events/s for one bank whose outbox continues after `history` events, and the
 * time to take its last batch again. */
async function measure(central: BenchCentral, bankId: string, history: number, n: number, log: (l: string) => void): Promise<[BenchResult, BenchResult]> {
  const admin = await central.admin();
  let creds;
  try {
    creds = await createBank(admin, { bankId });
    const t0 = nowMs();
    if (history > 0) await seedHistory(admin, bankId, history);
    if (history > 0) log(`  central history of ${history} events written in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await admin.end();
  }
  const bank = await openBenchBank();
  try {
    const db = bank.ctx.store.db;
    // the bank's own log continues where the central history ends
    db.prepare("DELETE FROM sqlite_sequence WHERE name = 'events'").run();
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(history);
    fillOutbox(db, n);
    const lastBatch = bank.ctx.store.outbox.unsent(n).slice(-BATCH);
    const { host, port, database, role, password } = central.bank;
    const link = new PgCentralLink({ connection: { host, port, user: role, password, database }, bankKey: creds.key });
    try {
      const t0 = nowMs();
      const report = await syncLoop(bank, link, creds.bankId, BATCH).runOnce();
      const seconds = (nowMs() - t0) / 1000;
      if (report.sent < n) throw new Error(`sync sent ${report.sent} of ${n} events`);
      log(`  ${n} events after a central history of ${history}: ${seconds.toFixed(2)} s`);
      const r0 = nowMs();
      await link.pushBatch(creds.bankId, lastBatch);
      const resendMs = nowMs() - r0;
      return [
        { name: `sync.events_per_s.central_history_${history}`, value: round(n / seconds, 0), unit: "events/s", events: n, history },
        { name: `sync.resend_ms.central_history_${history}`, value: round(resendMs, 0), unit: "ms", events: lastBatch.length, history },
      ];
    } finally {
      await link.close();
    }
  } finally {
    await bank.close();
  }
}

/** The configuration's default sync.batchSize. */
const BATCH = 20_000;

export const syncWithHistory: Benchmark = async ({ quick, log }) => {
  const central = await startBenchCentral();
  try {
    const n = quick ? 5_000 : 100_000;
    const [empty, emptyResend] = await measure(central, "bench-new", 0, n, log);
    const [long, longResend] = await measure(central, "bench-old", quick ? 20_000 : 1_000_000, n, log);
    const slowdown = empty.value / long.value;
    const resendSlowdown = longResend.value / emptyResend.value;
    return [
      empty,
      long,
      { name: "sync.slowdown.long_vs_no_central_history", value: round(slowdown, 2), unit: "x", target: "<= 1.2 (ours, as for pickup)", met: slowdown <= 1.2 },
      emptyResend,
      longResend,
      { name: "sync.resend_slowdown.long_vs_no_central_history", value: round(resendSlowdown, 2), unit: "x", target: "<= 1.2 (ours)", met: resendSlowdown <= 1.2 },
    ];
  } finally {
    central.stop();
  }
};
