/**
 * Central migration 6 (passes) applied to a database at migration 5 that holds a keyed bank's
 * events, parcels, commands and the notifier's messages: nothing held changes, the ingest role
 * made under migration 5 may pull revocations without being made again, the bank's log goes
 * on where it was, and a return it reports stored becomes a row the notifier plans from.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { createBank, createIngestRole } from "../../src/central/banks.js";
import { planMatches } from "../../src/central/notifier/deliveries.js";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { recordLockerSnapshot } from "../../src/sync/snapshot.js";
import { recordAnyEvent } from "../support/events.js";
import { deliver, deliverAndCollect } from "../support/fleet.js";
import { useAdminDatabase } from "../support/pg.js";
import { syncSettings, useSyncParts } from "../support/sync-parts.js";

const { bank, loop: newLoop } = useSyncParts();
const fresh = useAdminDatabase();
const links: PgCentralLink[] = [];

afterAll(async () => {
  for (const l of links) await l.close();
});

async function contents(): Promise<unknown> {
  const q = async (sql: string) => (await fresh.admin.query(sql)).rows;
  return {
    banks: await q(`SELECT id, last_seq, last_event_at, key_sha256 FROM central.banks ORDER BY id`),
    events: await q(`SELECT bank_id, count(*)::int AS n, md5(string_agg(seq || type || at || data::text, ',' ORDER BY seq)) AS h FROM central.events GROUP BY bank_id ORDER BY bank_id`),
    lockers: await q(`SELECT bank_id, locker_id, status, parcel_id, status_seq FROM central.lockers ORDER BY bank_id, locker_id`),
    parcels: await q(`SELECT bank_id, parcel_id, status, status_seq, expires_at, sealed_codes FROM central.parcels ORDER BY bank_id, parcel_id`),
    commands: await q(`SELECT bank_id, kind, status FROM central.bank_commands ORDER BY id`),
    advice: await q(`SELECT bank_id, tracking_ref, status, parcel_id FROM central.advice ORDER BY 1, 2`),
    notifications: await q(`SELECT bank_id, parcel_id, kind, channel, status, due_at FROM central.notifications ORDER BY id`),
  };
}

it("applies to a migration-5 database holding data, which stays as it was; the old ingest role pulls revocations; returns are recorded", async () => {
  expect(await migrateCentral(fresh.admin, 5)).toEqual({ from: 0, to: 5 });
  // the ingest role made under migration 5 (three functions then)
  const role = `lockerd_ingest_m6${randomBytes(4).toString("hex")}`;
  fresh.db.trackRole(role);
  const { password } = await createIngestRole(fresh.admin, { role });
  const { key } = await createBank(fresh.admin, { bankId: "M6" });
  const link = new PgCentralLink({ connection: { connectionString: fresh.db.urlAs(role, password), connectionTimeoutMillis: 5000 }, bankKey: key });
  links.push(link);

  const b = bank();
  recordLockerSnapshot(b.ctx);
  for (let i = 0; i < 2; i++) await deliverAndCollect(b, `M6-${i}`, 20_000);
  await deliver(b, "M6-kept");
  await fresh.admin.query(`INSERT INTO central.advice (bank_id, tracking_ref, email, created_by, created_at, updated_at, expires_at) VALUES ('M6', 'M6-kept', 'kim@example.org', 'test', now(), now(), now() + interval '1 day')`);
  await fresh.admin.query(`INSERT INTO central.bank_commands (bank_id, kind, args) VALUES ('M6', 'in_service', '{"lockerId":"A01"}')`);
  const before = newLoop(b.ctx, link, syncSettings("M6", { batchSize: 5 }));
  await before.runOnce();
  expect(before.status()).toMatchObject({ backlog: 0, lastError: null });
  await before.stop();
  expect(await planMatches(fresh.admin, Date.now(), 24)).toBeGreaterThan(0);
  const held = await contents();

  const fns = `SELECT p.proname AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'central' AND has_function_privilege($1, p.oid, 'EXECUTE') ORDER BY 1`;
  expect((await fresh.admin.query(fns, [role])).rows.map((r) => r.fn)).toEqual(["ingest_batch", "pull_bank_commands", "report_bank_status_by_key"]);
  // up to 6 only: later migrations (7, door truth) have their own tests
  expect(await migrateCentral(fresh.admin, 6)).toEqual({ from: 5, to: 6 });
  expect((await fresh.admin.query(fns, [role])).rows.map((r) => r.fn)).toEqual(["ingest_batch", "pull_bank_commands", "pull_pass_revocations", "report_bank_status_by_key"]);
  expect(await contents()).toEqual(held);

  // the role made before the migration may pull the bank's revocations, and read no table of it
  const asBank = new pg.Client({ connectionString: fresh.db.urlAs(role, password) });
  await asBank.connect();
  try {
    expect((await asBank.query(`SELECT * FROM central.pull_pass_revocations('M6', $1, 0, 10)`, [key])).rows).toEqual([]);
    for (const t of ["passes", "pass_revocations", "returns"]) await expect(asBank.query(`SELECT * FROM central.${t}`)).rejects.toMatchObject({ code: "42501" });
  } finally {
    await asBank.end();
  }
  await fresh.admin.query(`SELECT central.revoke_pass(NULL, 'dhl:anna', '{}', now() + interval '1 hour', NULL, 'test')`);

  // the notifier's rows take the new kind, and still refuse one it does not know
  await expect(fresh.admin.query(`INSERT INTO central.notifications (bank_id, parcel_id, tracking_ref, kind, channel, due_at) VALUES ('M6', 'x', 'x', 'bogus', 'email', now())`)).rejects.toMatchObject({ code: "23514" });

  // the bank goes on where it was: a return it stores (and a carrier collects) is recorded once
  const passId = "0123456789abcdef".repeat(2);
  b.ctx.store.write(() => {
    recordAnyEvent(b.ctx.store, { type: "return.stored", lockerId: "A02", parcelId: "R-1", data: { passId, reference: "RMA-9", size: "S", carrier: "dhl" } }, b.clock.now());
    recordAnyEvent(b.ctx.store, { type: "return.collected", lockerId: "A02", parcelId: "R-1", data: { carrier: "dhl", reference: "RMA-9" } }, b.clock.now() + 1000);
  });
  const after = newLoop(b.ctx, link, syncSettings("M6", { batchSize: 5 }));
  expect(await after.runOnce()).toMatchObject({ revocations: 1 });
  expect(after.status()).toMatchObject({ backlog: 0, lastError: null });
  expect(b.ctx.store.passes.isRevoked("f".repeat(32), "dhl:anna")).toBe(true);
  const centrally = await fresh.admin.query(`SELECT seq, type, data FROM central.events WHERE bank_id = 'M6' ORDER BY seq`);
  expect(centrally.rows.map((r) => Number(r.seq))).toEqual(b.ctx.store.events.query({ limit: 1_000_000 }).map((e) => e.seq));
  const returns = await fresh.admin.query(`SELECT bank_id, parcel_id, locker_id, pass_id, reference, size, carrier, collected_at IS NOT NULL AS collected, planned_at FROM central.returns`);
  expect(returns.rows).toEqual([{ bank_id: "M6", parcel_id: "R-1", locker_id: "A02", pass_id: passId, reference: "RMA-9", size: "S", carrier: "dhl", collected: true, planned_at: null }]);
});
