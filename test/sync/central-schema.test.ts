import pg from "pg";
import { expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { createBank, createIngestRole } from "../../src/central/banks.js";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";
import { ingestAs } from "../support/central.js";
import { useAdminDatabase } from "../support/pg.js";

const fresh = useAdminDatabase();
let ingestLogin: { role: string; password: string } | undefined;

/** A bank's connection (the shared ingest role) and its ingest call with the bank's key. */
async function bankClient(bankId: string): Promise<{ ingest: (batch: string) => Promise<{ rows: { ack: string }[] }>; end: () => Promise<void> }> {
  if (!ingestLogin) {
    const role = `lockerd_ingest_t${Math.random().toString(36).slice(2, 8)}`;
    fresh.db.trackRole(role);
    ingestLogin = await createIngestRole(fresh.admin, { role });
  }
  const { key } = await createBank(fresh.admin, { bankId });
  const c = new pg.Client({ connectionString: fresh.db.urlAs(ingestLogin.role, ingestLogin.password) });
  await c.connect();
  return {
    ingest: async (batch) => ({ rows: [{ ack: String(await ingestAs(c, bankId, key, batch)) }] }),
    end: () => c.end(),
  };
}

it("migrates once and again without change", async () => {
  const last = CENTRAL_MIGRATIONS.length;
  expect(await migrateCentral(fresh.admin)).toEqual({ from: 0, to: last });
  expect(await migrateCentral(fresh.admin)).toEqual({ from: last, to: last });
});

it("compares identifiers byte by byte in a database with a linguistic default collation", async () => {
  const database = await fresh.admin.query<{ datcollate: string; daticulocale: string | null }>(
    "SELECT datcollate, daticulocale FROM pg_database WHERE datname = current_database()",
  );
  expect(database.rows[0]!.daticulocale).toBe("en-US"); // the test database is made as a Debian server would
  const cols = await fresh.admin.query<{ col: string; collation: string | null }>(
    `SELECT c.table_name || '.' || c.column_name AS col, c.collation_name AS collation FROM information_schema.columns c
     WHERE c.table_schema = 'central' AND c.data_type = 'text'
       AND (c.column_name IN ('id', 'role_name', 'type', 'tracking_ref') OR c.column_name LIKE '%\\_id')
       AND c.table_name NOT IN ('parcel_history') ORDER BY 1`,
  );
  expect(cols.rows.length).toBeGreaterThanOrEqual(13);
  expect(cols.rows.filter((r) => r.collation !== "C")).toEqual([]);
});

it("a bank's role ingests a batch into monthly partitions and the projections", async () => {
  const bank = await bankClient("B1");
  // the last millisecond of last month and the first of this one (in the center's plausible window)
  const now = new Date();
  const feb = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const jan = feb - 1;
  const month = (t: number) => `events_${new Date(t).toISOString().slice(0, 7).replace("-", "_")}`;
  const ack = await bank.ingest(
    JSON.stringify([
      [1, jan, true, "parcel.assigned", "A01", "P1", { size: "S", lockerSize: "S", trackingRef: "T", expiresAt: feb + 1000, sealedCodes: { v: 1, r: [] } }],
      [2, feb, false, "parcel.stored", "A01", "P1", {}],
    ]),
  );
  await bank.end();
  expect(Number(ack.rows[0]!.ack)).toBe(2);
  const parts = await fresh.admin.query<{ relname: string }>(
    `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'central.events'::regclass ORDER BY 1`,
  );
  expect(parts.rows.map((r) => r.relname)).toEqual([month(jan), month(feb), "events_outliers"]);
  const p = await fresh.admin.query(`SELECT status, sealed_codes, locker_id FROM central.parcels WHERE bank_id = 'B1'`);
  expect(p.rows).toEqual([{ status: "STORED", sealed_codes: { v: 1, r: [] }, locker_id: "A01" }]);
  const l = await fresh.admin.query(`SELECT status, parcel_id FROM central.lockers WHERE bank_id = 'B1'`);
  expect(l.rows).toEqual([{ status: "OCCUPIED", parcel_id: "P1" }]);
  const e = await fresh.admin.query(`SELECT data FROM central.events WHERE bank_id = 'B1' AND seq = 1`);
  expect(e.rows[0].data).not.toHaveProperty("sealedCodes");
});

it("refuses a malformed batch with a clear error and keeps nothing of it", async () => {
  const bank = await bankClient("B3");
  const ingest = (batch: string) => bank.ingest(batch);
  try {
    const t = Date.UTC(2026, 3, 1);
    const good = [1, t, true, "door.opened", "A01", null, {}];
    await expect(ingest(`{"seq": 1}`)).rejects.toMatchObject({ code: "22023", message: "the batch is not a JSON array" });
    for (const bad of [[1, t, true, "door.opened", "A01", null], [1, t, "yes", "door.opened", "A01", null, {}], ["1", t, true, "x", null, null, {}], [1, t, true, "x", null, null, []], 7]) {
      await expect(ingest(JSON.stringify([good, bad])), JSON.stringify(bad)).rejects.toMatchObject({ code: "22023", message: expect.stringContaining("event 2 of the batch is not") });
    }
    await expect(ingest(JSON.stringify([[0, t, true, "x", null, null, {}]]))).rejects.toMatchObject({ code: "22023" });
    await expect(ingest(JSON.stringify([good, good]))).rejects.toMatchObject({ code: "LK001" });
    const held = await fresh.admin.query(`SELECT count(*)::int AS n FROM central.events WHERE bank_id = 'B3'`);
    expect(held.rows[0].n).toBe(0);
    expect(Number((await ingest("[]")).rows[0]!.ack)).toBe(0);
  } finally {
    await bank.end();
  }
});

it("a sequence number below the highest received but never held is taken, once", async () => {
  const bank = await bankClient("B4");
  const t = Date.UTC(2026, 3, 1);
  const ev = (seq: number, type = "door.opened") => [seq, t + seq, true, type, "A01", null, {}];
  const ingest = (events: unknown[]) => bank.ingest(JSON.stringify(events));
  try {
    await ingest([ev(1), ev(3)]);
    // seq 2 arrives late (below last_seq 3): stored; 3 again with the same content: skipped
    expect(Number((await ingest([ev(2), ev(3)])).rows[0]!.ack)).toBe(3);
    await ingest([ev(2)]);
    const rows = await fresh.admin.query(`SELECT seq::int FROM central.events WHERE bank_id = 'B4' ORDER BY seq`);
    expect(rows.rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    // and once held, different content for it is a conflict
    await expect(ingest([ev(2, "door.closed")])).rejects.toMatchObject({ code: "LK001" });
    // as is the same event at another time, in the same month or another (another partition)
    await expect(ingest([[2, t + 60_000, true, "door.opened", "A01", null, {}]])).rejects.toMatchObject({ code: "LK001" });
    await expect(ingest([[2, Date.UTC(2026, 6, 1), true, "door.opened", "A01", null, {}]])).rejects.toMatchObject({ code: "LK001" });
    // and a seq never held, sent again with the one held: taken, the held one skipped
    await ingest([ev(3), ev(5)]);
    await ingest([ev(4), ev(5)]);
    const after = await fresh.admin.query(`SELECT seq::int FROM central.events WHERE bank_id = 'B4' ORDER BY seq`);
    expect(after.rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  } finally {
    await bank.end();
  }
});
