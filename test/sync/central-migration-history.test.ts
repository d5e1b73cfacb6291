/**
 * The central migrations from the first to the last on a database that holds data: banks of
 * migration 1 (each its own login role) sync events, parcels and commands; every later migration
 * is applied one at a time and the data stay as they were; then the old bank role carries on,
 * and the same bank moved to a key (the shared ingest role) continues its log where it was.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { createBank, createIngestRole } from "../../src/central/banks.js";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { recordLockerSnapshot } from "../../src/sync/snapshot.js";
import { localAsCentral, migration1BankRole, type SyncedEvent } from "../support/central.js";
import { deliver, deliverAndCollect } from "../support/fleet.js";
import { useAdminDatabase } from "../support/pg.js";
import { syncSettings, useSyncParts } from "../support/sync-parts.js";

const { bank, loop: newLoop } = useSyncParts();
const fresh = useAdminDatabase();
const links: PgCentralLink[] = [];

afterAll(async () => {
  for (const l of links) await l.close();
});

function link(url: string, bankKey?: string): PgCentralLink {
  const l = new PgCentralLink({ connection: { connectionString: url, connectionTimeoutMillis: 5000 }, bankKey });
  links.push(l);
  return l;
}

/** Everything a migration must leave as it was: events, projections, commands, per bank. */
async function contents(): Promise<unknown> {
  const q = async (sql: string) => (await fresh.admin.query(sql)).rows;
  return {
    banks: await q(`SELECT id, last_seq, last_event_at FROM central.banks ORDER BY id`),
    events: await q(`SELECT bank_id, count(*)::int AS n, min(seq)::int AS lo, max(seq)::int AS hi, md5(string_agg(seq || type || at || data::text, ',' ORDER BY seq)) AS h FROM central.events GROUP BY bank_id ORDER BY bank_id`),
    lockers: await q(`SELECT bank_id, locker_id, status, parcel_id, status_seq FROM central.lockers ORDER BY bank_id, locker_id`),
    parcels: await q(`SELECT bank_id, parcel_id, status, status_seq, expires_at FROM central.parcels ORDER BY bank_id, parcel_id`),
    history: await q(`SELECT bank_id, parcel_id, seq, status FROM central.parcel_history ORDER BY bank_id, seq`),
    commands: await q(`SELECT bank_id, kind, status, result_seq FROM central.bank_commands ORDER BY id`),
  };
}

async function centralEvents(bankId: string): Promise<SyncedEvent[]> {
  const r = await fresh.admin.query<{ seq: string; type: string; at_ms: string; clock_synced: boolean; locker_id: string | null; parcel_id: string | null; data: Record<string, unknown> }>(
    `SELECT seq, type, (extract(epoch FROM at) * 1000)::bigint AS at_ms, clock_synced, locker_id, parcel_id, data FROM central.events WHERE bank_id = $1 ORDER BY seq`,
    [bankId],
  );
  return r.rows.map((x) => ({ seq: Number(x.seq), type: x.type, at: Number(x.at_ms), clockSynced: x.clock_synced, lockerId: x.locker_id, parcelId: x.parcel_id, data: x.data }));
}

it("applies every migration in turn to a database holding migration 1's data, which stays correct and in use", async () => {
  expect(await migrateCentral(fresh.admin, 1)).toEqual({ from: 0, to: 1 });
  const banks = ["H1", "H2"].map((bankId) => ({ bankId, b: bank() }));
  const urls = new Map<string, string>();
  for (const { bankId, b } of banks) {
    urls.set(bankId, (await migration1BankRole(fresh.admin, fresh.db, bankId)).url);
    recordLockerSnapshot(b.ctx);
    // across a month's end, with parcels picked up and one left in its locker
    const now = new Date();
    b.clock.advance(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1) - 60_000 - b.clock.now());
    for (let i = 0; i < 3; i++) await deliverAndCollect(b, `${bankId}-${i}`, 20_000);
    await deliver(b, `${bankId}-kept`);
  }
  await fresh.admin.query(`INSERT INTO central.bank_commands (bank_id, kind, args) VALUES ('H1', 'out_of_service', '{"lockerId": "B02", "reason": "history"}')`);
  for (const { bankId, b } of banks) {
    const loop = newLoop(b.ctx, link(urls.get(bankId)!), syncSettings(bankId, { batchSize: 7 }));
    await loop.runOnce();
    expect(loop.status()).toMatchObject({ backlog: 0, lastError: null });
    await loop.stop();
  }
  const held = await contents();
  // a center without signed commands (migration 1) cannot make a bank do anything: the bank
  // refuses the unsigned command, and its refusal closes it
  expect((await fresh.admin.query(`SELECT status, result -> 'error' ->> 'reason' AS reason FROM central.bank_commands`)).rows).toEqual([{ status: "failed", reason: "UNSIGNED" }]);

  // every later migration, one at a time, each leaving the data as they were
  for (let v = 2; v <= CENTRAL_MIGRATIONS.length; v++) {
    expect(await migrateCentral(fresh.admin, v)).toEqual({ from: v - 1, to: v });
    expect(await contents(), `after migration ${v}`).toEqual(held);
  }

  // a bank role of migration 1 still syncs (and reads nothing any more); the other bank moves
  // to a key and the shared ingest role, its log going on where it was
  const ingestRole = `lockerd_ingest_h${randomBytes(4).toString("hex")}`;
  fresh.db.trackRole(ingestRole);
  const ingest = await createIngestRole(fresh.admin, { role: ingestRole });
  const moved = await createBank(fresh.admin, { bankId: "H2", rotate: true });
  const sessions = { H1: link(urls.get("H1")!), H2: link(fresh.db.urlAs(ingest.role, ingest.password), moved.key) };
  const old = new pg.Client({ connectionString: urls.get("H1")! });
  await old.connect();
  try {
    await expect(old.query(`SELECT sealed_codes FROM central.parcels`)).rejects.toMatchObject({ code: "42501" });
  } finally {
    await old.end();
  }
  for (const { bankId, b } of banks) {
    await deliverAndCollect(b, `${bankId}-after`, 20_000);
    const loop = newLoop(b.ctx, sessions[bankId as "H1" | "H2"], syncSettings(bankId, { batchSize: 7 }));
    await loop.runOnce();
    expect(loop.status()).toMatchObject({ backlog: 0, lastError: null });
    await loop.stop();
    expect(await centralEvents(bankId)).toEqual(localAsCentral(b.ctx.store.events.query({ limit: 1_000_000 })));
  }
});
