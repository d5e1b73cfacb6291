/**
 * Central capacity: how many events per second one central PostgreSQL ingests when 1, 4 and 16
 * banks push their backlogs at the same time, each through its own real sync loop, key and
 * connection (all as the shared ingest role). The banks' side (reading and marking their SQLite outboxes) runs in this one
 * process, on the same machine as the server. From central migration 9 "ingests" means
 * acknowledged: with several banks at once most batches are landed and their projection is left
 * to lockerd-central's projector, which this benchmark does not run (see the fleet simulator,
 * which measures both).
 */
import { createBank } from "../../src/central/banks.js";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { openBenchBank, type BenchBank } from "../support/bank.js";
import { startBenchCentral } from "../support/central.js";
import type { Benchmark, BenchResult } from "../support/result.js";
import { nowMs } from "../support/stats.js";
import { round } from "./allocation.js";
import { fillOutbox, syncLoop } from "./sync-catchup.js";

export const centralCapacity: Benchmark = async ({ quick, log }) => {
  const central = await startBenchCentral("capacity-seed");
  const perBank = quick ? 1_000 : 40_000;
  const results: BenchResult[] = [];
  try {
    const { host, port, database, role, password } = central.bank;
    for (const banks of [1, 4, 16]) {
      const fleet: { bank: BenchBank; link: PgCentralLink; bankId: string }[] = [];
      try {
        const admin = await central.admin();
        try {
          for (let i = 0; i < banks; i++) {
            const bank = await openBenchBank();
            fillOutbox(bank.ctx.store.db, perBank);
            const creds = await createBank(admin, { bankId: `cap-${banks}-${i}` });
            const link = new PgCentralLink({ connection: { host, port, user: role, password, database }, bankKey: creds.key });
            fleet.push({ bank, link, bankId: creds.bankId });
          }
        } finally {
          await admin.end();
        }
        const t0 = nowMs();
        // batchSize as the configuration's default (sync.batchSize)
        const reports = await Promise.all(fleet.map((f) => syncLoop(f.bank, f.link, f.bankId, 20_000).runOnce()));
        const seconds = (nowMs() - t0) / 1000;
        const sent = reports.reduce((n, r) => n + r.sent, 0);
        if (sent < banks * perBank) throw new Error(`${banks} banks sent ${sent} of ${banks * perBank} events`);
        log(`  ${banks} bank(s) x ${perBank} events: ${sent} events in ${seconds.toFixed(2)} s`);
        results.push({
          name: `central.ingest_events_per_s.banks_${banks}`,
          value: round(sent / seconds, 0),
          unit: "events/s",
          banks,
          eventsPerBank: perBank,
          seconds: round(seconds, 2),
          postgres: "fsync on, same machine",
        });
      } finally {
        for (const f of fleet) {
          await f.link.close();
          await f.bank.close();
        }
      }
    }
    const one = results[0]!.value;
    for (const r of results.slice(1)) results.push({ name: `central.ingest_scaling.banks_${String(r.banks)}_vs_1`, value: round(r.value / one, 2), unit: "x" });
    return results;
  } finally {
    central.stop();
  }
};
