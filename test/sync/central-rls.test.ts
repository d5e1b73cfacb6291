/** A bank's role reads only its own rows, writes only through ingestion, and nothing else. */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { syncBank, syncSettings, useTestCentral } from "../support/sync-parts.js";
import { silentLog } from "../support/log.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { recordLockerSnapshot } from "../../src/sync/snapshot.js";

const central = useTestCentral();
let a: { bankId: string; role: string; url: string };
let b: { bankId: string; role: string; url: string };
let asA: pg.Client;

async function syncSomething(bank: { bankId: string; url: string }) {
  const local = syncBank();
  try {
    recordLockerSnapshot(local.ctx);
    const loop = new SyncLoop(
      { ctx: local.ctx, link: central.link(bank.url), log: silentLog },
      syncSettings(bank.bankId, { batchSize: 100, intervalMs: 1000, retentionMs: 86_400_000 }),
    );
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

it("reads only its own rows in every table", async () => {
  for (const t of ["banks", "events", "lockers", "parcels", "parcel_history", "bank_commands"]) {
    const col = t === "banks" ? "id" : "bank_id";
    const r = await asA.query<{ bank: string }>(`SELECT DISTINCT ${col} AS bank FROM central.${t}`);
    expect(r.rows.every((x) => x.bank === "bank-a"), t).toBe(true);
  }
  expect((await asA.query(`SELECT 1 FROM central.events`)).rowCount).toBeGreaterThan(0);
  expect((await asA.query(`SELECT 1 FROM central.events WHERE bank_id = 'bank-b'`)).rowCount).toBe(0);
  // the other bank's rows are there
  expect((await central.db.admin(`SELECT 1 FROM central.events WHERE bank_id = 'bank-b'`)).rowCount).toBeGreaterThan(0);
});

it("cannot write any table directly, its own rows or another bank's", async () => {
  const denied = [
    `INSERT INTO central.events (bank_id, seq, at, clock_synced, type, data) VALUES ('bank-b', 999, now(), true, 'x', '{}')`,
    `INSERT INTO central.events (bank_id, seq, at, clock_synced, type, data) VALUES ('bank-a', 999, now(), true, 'x', '{}')`,
    `UPDATE central.lockers SET status = 'AVAILABLE'`,
    `DELETE FROM central.parcels`,
    `UPDATE central.bank_commands SET status = 'done' WHERE bank_id = 'bank-b'`,
    `UPDATE central.banks SET last_seq = 0`,
    `CREATE TABLE central.mine (x int)`,
    `CREATE TABLE public.mine (x int)`,
  ];
  for (const sql of denied) await expect(asA.query(sql), sql).rejects.toMatchObject({ code: "42501" });
  // partitions are not reachable around the parent's policies
  const part = (await central.db.admin<{ relname: string }>(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'central.events'::regclass LIMIT 1`)).rows[0]!.relname;
  await expect(asA.query(`SELECT * FROM central.${part}`)).rejects.toMatchObject({ code: "42501" });
});

it("cannot slip its own table in place of the ingest function's batch table", async () => {
  const c = new pg.Client({ connectionString: a.url });
  await c.connect();
  try {
    // A trigger on it would run with the function's rights: the function must refuse it.
    await c.query(`CREATE TEMP TABLE incoming (seq bigint)`);
    await expect(c.query(`SELECT central.ingest_events('bank-a', '[]'::jsonb)`)).rejects.toMatchObject({ code: "42501", message: expect.stringContaining("pg_temp.incoming belongs to") });
  } finally {
    await c.end();
  }
  // on a connection of its own the function makes the table itself, and keeps it for the next call
  for (let i = 0; i < 2; i++) {
    const ok = await asA.query<{ ack: string }>(`SELECT central.ingest_events('bank-a', '[]'::jsonb) AS ack`);
    expect(ok.rows[0]!.ack).toBe("0");
  }
});

it("cannot ingest as or pull the commands of another bank", async () => {
  await expect(
    asA.query(`SELECT central.ingest_events('bank-b', '[[999, 0, true, "x", null, null, {}]]'::jsonb)`),
  ).rejects.toMatchObject({ code: "42501" });
  await expect(asA.query(`SELECT * FROM central.pull_commands('bank-b', 10)`)).rejects.toMatchObject({ code: "42501" });
  const own = await asA.query<{ kind: string }>(`SELECT * FROM central.pull_commands('bank-a', 10)`);
  expect(own.rows.map((r) => r.kind)).toEqual(["in_service"]);
  const bCmd = await central.db.admin<{ status: string }>(`SELECT status FROM central.bank_commands WHERE bank_id = 'bank-b'`);
  expect(bCmd.rows[0]!.status).toBe("pending");
  await expect(asA.query(`SELECT central.caller_bank('bank-a')`)).rejects.toMatchObject({ code: "42501" });
});

it("a wrong password is refused", async () => {
  const u = new URL(a.url);
  u.password = "not-the-password";
  const c = new pg.Client({ connectionString: u.toString() });
  await expect(c.connect()).rejects.toMatchObject({ code: "28P01" });
});
