import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { createBank } from "../../src/central/banks.js";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";

let db: TestDatabase;
let admin: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase();
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await db.drop();
});

it("migrates once and again without change", async () => {
  expect(await migrateCentral(admin)).toEqual({ from: 0, to: 1 });
  expect(await migrateCentral(admin)).toEqual({ from: 1, to: 1 });
});

it("a bank's role ingests a batch into monthly partitions and the projections", async () => {
  const role = `lockerd_bank_t${Math.random().toString(36).slice(2, 8)}`;
  db.trackRole(role);
  const creds = await createBank(admin, { bankId: "B1", role });
  const bank = new pg.Client({ connectionString: db.urlAs(creds.role, creds.password) });
  await bank.connect();
  const jan = Date.UTC(2026, 0, 31, 23, 59, 59, 999);
  const feb = Date.UTC(2026, 1, 1);
  const ack = await bank.query<{ ack: string }>(
    `SELECT central.ingest_events($1, $2::bigint[], $3::bigint[], $4::boolean[], $5::text[], $6::text[], $7::text[], $8::jsonb) AS ack`,
    [
      "B1",
      [1, 2],
      [jan, feb],
      [true, false],
      ["parcel.assigned", "parcel.stored"],
      ["A01", "A01"],
      ["P1", "P1"],
      JSON.stringify([{ size: "S", lockerSize: "S", trackingRef: "T", expiresAt: feb + 1000, pickupCode: "12345678" }, {}]),
    ],
  );
  await bank.end();
  expect(Number(ack.rows[0]!.ack)).toBe(2);
  const parts = await admin.query<{ relname: string }>(
    `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'central.events'::regclass ORDER BY 1`,
  );
  expect(parts.rows.map((r) => r.relname)).toEqual(["events_2026_01", "events_2026_02"]);
  const p = await admin.query(`SELECT status, pickup_code, locker_id FROM central.parcels WHERE bank_id = 'B1'`);
  expect(p.rows).toEqual([{ status: "STORED", pickup_code: "12345678", locker_id: "A01" }]);
  const l = await admin.query(`SELECT status, parcel_id FROM central.lockers WHERE bank_id = 'B1'`);
  expect(l.rows).toEqual([{ status: "OCCUPIED", parcel_id: "P1" }]);
  const e = await admin.query(`SELECT data FROM central.events WHERE bank_id = 'B1' AND seq = 1`);
  expect(e.rows[0].data).not.toHaveProperty("pickupCode");
});
