/**
 * Sync catch-up: a backlog of events in the bank's SQLite outbox pushed into the central
 * PostgreSQL by the real sync loop (one JSON batch, one transaction per batch), next to two
 * alternatives measured in the same run: one plain INSERT per event into a bare table (the
 * issue's baseline; it does far less than ingest), and the same sync loop sending one event
 * per call (the same end state, unbatched).
 */

import { createBank } from "../../src/central/banks.js";
import type { Db } from "../../src/store/database.js";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { createLogger } from "../../src/system/logger.js";
import { openBenchBank } from "../support/bank.js";
import { startBenchCentral } from "../support/central.js";
import type { Benchmark } from "../support/result.js";
import { nowMs } from "../support/stats.js";
import { round } from "./allocation.js";

/** A busy bank's history, written straight into the outbox. */
export function fillOutbox(db: Db, n: number): void {
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
       INSERT INTO events (type, at, clock_synced, locker_id, parcel_id, data)
       SELECT CASE i % 4 WHEN 0 THEN 'parcel.assigned' WHEN 1 THEN 'door.opened' WHEN 2 THEN 'door.closed' ELSE 'parcel.stored' END,
              1790000000000 + i * 1000, 1, printf('%s%02d', substr('ABCD', (i % 24) / 6 + 1, 1), i % 6 + 1), printf('p_%020x', i / 4),
              CASE i % 4 WHEN 0 THEN json_object('size', 'S', 'lockerSize', 'S', 'trackingRef', 'T' || i, 'expiresAt', 1790259200000 + i * 1000)
                         ELSE json_object('purpose', 'deposit') END
       FROM k`,
    ).run(n);
  }).immediate();
}

export function syncLoop(bank: Awaited<ReturnType<typeof openBenchBank>>, link: PgCentralLink, bankId: string, batchSize: number): SyncLoop {
  return new SyncLoop(
    { ctx: bank.ctx, link, log: createLogger({ level: "silent", pretty: false }) },
    { bankId, batchSize, intervalMs: 60_000, backoffMinMs: 1000, backoffMaxMs: 60_000, retentionMs: 30 * 86_400_000, commandPollMs: 60_000 },
  );
}

export const syncCatchUp: Benchmark = async ({ quick, log }) => {
  const central = await startBenchCentral();
  const bank = await openBenchBank();
  try {
    const n = quick ? 5_000 : 100_000;
    fillOutbox(bank.ctx.store.db, n);
    const { role, password, host, port, database, bankId, key } = central.bank;
    const link = new PgCentralLink({ connection: { host, port, user: role, password, database }, bankKey: key });
    // batchSize as the configuration's default (sync.batchSize)
    const loop = syncLoop(bank, link, bankId, 20_000);
    const t0 = nowMs();
    const report = await loop.runOnce();
    const seconds = (nowMs() - t0) / 1000;
    await link.close();
    if (report.sent < n) throw new Error(`sync sent ${report.sent} of ${n} events`);
    log(`  sync loop: ${report.sent} events in ${report.batches} batches, ${seconds.toFixed(2)} s`);

    // The baseline: the same rows, one INSERT each, in one transaction, same server, same run.
    const events = bank.ctx.store.events.after(0, quick ? 1_000 : 10_000);
    const admin = await central.admin();
    let baseSeconds: number;
    try {
      await admin.query(`CREATE TABLE baseline_events (bank_id text, seq bigint, at timestamptz, clock_synced boolean, type text, locker_id text, parcel_id text, data jsonb, PRIMARY KEY (bank_id, seq))`);
      const b0 = nowMs();
      await admin.query("BEGIN");
      for (const e of events) {
        await admin.query(
          `INSERT INTO baseline_events VALUES ($1, $2, to_timestamp($3 / 1000.0), $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
          [bankId, e.seq, e.at, e.clockSynced, e.type, e.lockerId, e.parcelId, JSON.stringify(e.data)],
        );
      }
      await admin.query("COMMIT");
      baseSeconds = (nowMs() - b0) / 1000;
    } finally {
      await admin.end();
    }
    const rate = n / seconds;
    const baseRate = events.length / baseSeconds;
    log(`  baseline: ${events.length} single INSERTs in ${baseSeconds.toFixed(2)} s`);

    // Like for like: the same loop and ingest, one event per call, on a second bank.
    const single = await openBenchBank();
    let singleRate: number;
    try {
      const m = quick ? 200 : 2_000;
      fillOutbox(single.ctx.store.db, m);
      const a = await central.admin();
      const creds = await createBank(a, { bankId: "bench-single" }).finally(() => a.end());
      const singleLink = new PgCentralLink({ connection: { host, port, user: role, password, database }, bankKey: creds.key });
      const s0 = nowMs();
      const r = await syncLoop(single, singleLink, creds.bankId, 1).runOnce();
      singleRate = r.sent / ((nowMs() - s0) / 1000);
      await singleLink.close();
      log(`  one event per ingest call: ${r.sent} events at ${singleRate.toFixed(0)} events/s`);
    } finally {
      await single.close();
    }
    return [
      { name: "sync.catch_up_events_per_s", value: round(rate, 0), unit: "events/s", events: n, batches: report.batches, postgres: "fsync on", note: "single bank, no target (a bank makes a few thousand events a day; the fleet benchmarks measure many banks at once)" },
      { name: "sync.baseline_single_insert_events_per_s", value: round(baseRate, 0), unit: "events/s", events: events.length },
      { name: "sync.speedup_vs_single_insert", value: round(rate / baseRate, 1), unit: "x", target: ">= 20", met: rate / baseRate >= 20 },
      { name: "sync.one_event_per_call_events_per_s", value: round(singleRate, 0), unit: "events/s", note: "same loop and ingest, batchSize 1" },
      { name: "sync.speedup_vs_one_event_per_call", value: round(rate / singleRate, 1), unit: "x" },
    ];
  } finally {
    await bank.close();
    central.stop();
  }
};

