/**
 * What a bank's login can do (central schema migration 5 on): it logs in as the shared ingest
 * role and shows its own key; with that it appends its own events and pulls its own commands,
 * and nothing else: no table to read (so no pickup code), none to write, no other bank's rows.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { syncBank, syncSettings, useTestCentral } from "../support/sync-parts.js";
import type { TestBankLogin } from "../support/central.js";
import { silentLog } from "../support/log.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { recordLockerSnapshot } from "../../src/sync/snapshot.js";
import { assignLocker } from "../../src/bank/assign.js";

const central = useTestCentral();
let a: TestBankLogin;
let b: TestBankLogin;
let asA: pg.Client;

async function syncSomething(bank: TestBankLogin) {
  const local = syncBank();
  try {
    recordLockerSnapshot(local.ctx);
    await assignLocker(local.ctx, { size: "S", trackingRef: `${bank.bankId}-1` });
    const loop = new SyncLoop({ ctx: local.ctx, link: central.link(bank), log: silentLog }, syncSettings(bank.bankId, { batchSize: 100, intervalMs: 1000, retentionMs: 86_400_000 }));
    await loop.runOnce();
    await loop.stop();
  } finally {
    await local.dispose();
  }
}

beforeAll(async () => {
  a = await central.addBank("bank-a");
  b = await central.addBank("bank-b");
  await syncSomething(a);
  await syncSomething(b);
  await central.db.admin(`INSERT INTO central.bank_commands (bank_id, kind, args) VALUES ('bank-a', 'in_service', '{"lockerId":"A01"}'), ('bank-b', 'in_service', '{"lockerId":"A01"}')`);
  asA = new pg.Client({ connectionString: a.url });
  await asA.connect();
});
afterAll(async () => {
  await asA.end();
});

it("reads no table at all, so no pickup code either (the center holds them for the notifier)", async () => {
  const held = await central.db.admin(`SELECT count(*)::int AS n FROM central.parcels WHERE bank_id = 'bank-a'`);
  expect(held.rows[0].n).toBe(1);
  const tables = ["banks", "events", "lockers", "parcels", "parcel_history", "bank_commands", "sequence_conflicts", "events_quarantine", "partition_turn"];
  // the passes' (migration 6): who a return is for, revocations of other banks' passes
  tables.push("passes", "pass_revocations", "returns");
  // the pre-advice hints (migration 10): which tracking refs asked for a reachable door, at every bank
  tables.push("advice_hints");
  // the notifier's (migration 2) and the fleet's (migration 4) too
  tables.push("advice", "notifications", "operator_tokens", "bank_status", "alarms", "alarm_rules", "locker_counts");
  // the landed batches (migration 9) hold the sealed codes as the banks sent them
  tables.push("landed_batches", "projection_inline_slots");
  // operators' clears (migration 11) and alarms' earlier openings (migration 12)
  tables.push("alarm_clearings", "alarm_openings");
  for (const t of tables) {
    await expect(asA.query(`SELECT * FROM central.${t} LIMIT 1`), t).rejects.toMatchObject({ code: "42501" });
  }
  // the only functions it may call are the five that need a bank's key
  const fns = await central.db.admin<{ fn: string }>(
    `SELECT p.proname AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname IN ('central', 'pgbouncer') AND has_function_privilege($1, p.oid, 'EXECUTE') ORDER BY 1`,
    [a.role],
  );
  expect(fns.rows.map((r) => r.fn)).toEqual(["ingest_batch", "pull_advice_hints", "pull_bank_commands", "pull_pass_revocations", "report_bank_status_by_key"]);
});

it("cannot write any table directly, its own rows or another bank's", async () => {
  const denied = [
    `INSERT INTO central.events (bank_id, seq, at, clock_synced, type, data) VALUES ('bank-b', 999, now(), true, 'x', '{}')`,
    `INSERT INTO central.events (bank_id, seq, at, clock_synced, type, data) VALUES ('bank-a', 999, now(), true, 'x', '{}')`,
    `UPDATE central.lockers SET status = 'AVAILABLE'`,
    `DELETE FROM central.parcels`,
    `UPDATE central.bank_commands SET status = 'done' WHERE bank_id = 'bank-b'`,
    `UPDATE central.banks SET last_seq = 0`,
    `SELECT 1 FROM central.banks FOR UPDATE`,
    `CREATE TABLE central.mine (x int)`,
    `CREATE TABLE public.mine (x int)`,
  ];
  for (const sql of denied) await expect(asA.query(sql), sql).rejects.toMatchObject({ code: "42501" });
  const part = (await central.db.admin<{ relname: string }>(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'central.events'::regclass LIMIT 1`)).rows[0]!.relname;
  await expect(asA.query(`SELECT * FROM central.${part}`)).rejects.toMatchObject({ code: "42501" });
  for (const sql of [`SELECT central.ingest_as('bank-b', '[]')`, `SELECT central.bank_by_key('bank-b', 'x')`, `SELECT * FROM central.pull_commands_as('bank-b', 10)`,
    `SELECT central.ingest_events('bank-a', '[]')`, `SELECT * FROM central.resolve_sequence_conflict('bank-b', 1, 'x')`,
    `SELECT central.revoke_pass(NULL, 'dhl:bob', '{}', now() + interval '1 day', 'x', 'bank-a')`,
    `SELECT central.land_as('bank-b', '[]')`, `SELECT * FROM central.project_landed(10)`, `SELECT * FROM central.project_landed_of('bank-b', 1, true)`,
    `SELECT * FROM central.projection_backlog()`]) {
    await expect(asA.query(sql), sql).rejects.toMatchObject({ code: "42501" });
  }
});

it("cannot slip its own table in place of the ingest function's batch table", async () => {
  const c = new pg.Client({ connectionString: a.url });
  await c.connect();
  try {
    await c.query(`CREATE TEMP TABLE incoming (seq bigint)`);
    await expect(c.query(`SELECT * FROM central.ingest_batch('bank-a', $1, '[]'::jsonb)`, [a.key])).rejects.toMatchObject({ code: "42501", message: expect.stringContaining("pg_temp.incoming belongs to") });
  } finally {
    await c.end();
  }
  for (let i = 0; i < 2; i++) {
    const ok = await asA.query<{ ack: string }>(`SELECT ack FROM central.ingest_batch('bank-a', $1, '[]'::jsonb)`, [a.key]);
    expect(ok.rows[0]!.ack).toBe("0");
  }
});

it("its key works for its own bank only; a wrong or another bank's key is refused", async () => {
  const forged = `[[999, 0, true, "x", null, null, {}]]`;
  await expect(asA.query(`SELECT * FROM central.ingest_batch('bank-b', $1, $2::jsonb)`, [a.key, forged])).rejects.toMatchObject({ code: "28000" });
  await expect(asA.query(`SELECT * FROM central.ingest_batch('bank-b', NULL, $1::jsonb)`, [forged])).rejects.toMatchObject({ code: "28000" });
  await expect(asA.query(`SELECT * FROM central.ingest_batch('nobody', $1, $2::jsonb)`, [a.key, forged])).rejects.toMatchObject({ code: "28000" });
  await expect(asA.query(`SELECT * FROM central.pull_bank_commands('bank-b', $1, 10)`, [a.key])).rejects.toMatchObject({ code: "28000" });
  await expect(asA.query(`SELECT * FROM central.pull_pass_revocations('bank-b', $1, 0, 10)`, [a.key])).rejects.toMatchObject({ code: "28000" });
  expect((await asA.query(`SELECT * FROM central.pull_pass_revocations('bank-a', $1, 0, 10)`, [a.key])).rows).toEqual([]);
  await expect(asA.query(`SELECT * FROM central.pull_advice_hints('bank-b', $1, 0, 10)`, [a.key])).rejects.toMatchObject({ code: "28000" });
  expect((await asA.query(`SELECT * FROM central.pull_advice_hints('bank-a', $1, 0, 10)`, [a.key])).rows).toEqual([]);
  const own = await asA.query<{ kind: string }>(`SELECT * FROM central.pull_bank_commands('bank-a', $1, 10)`, [a.key]);
  expect(own.rows.map((r) => r.kind)).toEqual(["in_service"]);
  const bCmd = await central.db.admin<{ status: string }>(`SELECT status FROM central.bank_commands WHERE bank_id = 'bank-b'`);
  expect(bCmd.rows[0]!.status).toBe("pending");
  expect((await central.db.admin(`SELECT 1 FROM central.events WHERE bank_id = 'bank-b' AND seq = 999`)).rowCount).toBe(0);
});

it("the center keeps only a hash of a bank's key", async () => {
  const r = await central.db.admin<{ h: Buffer }>(`SELECT key_sha256 AS h FROM central.banks WHERE id = 'bank-a'`);
  expect(r.rows[0]!.h.length).toBe(32);
  const dump = JSON.stringify((await central.db.admin(`SELECT * FROM central.banks`)).rows);
  expect(dump).not.toContain(a.key);
});

it("a wrong password is refused", async () => {
  const u = new URL(a.url);
  u.password = "not-the-password";
  const c = new pg.Client({ connectionString: u.toString() });
  await expect(c.connect()).rejects.toMatchObject({ code: "28P01" });
});
