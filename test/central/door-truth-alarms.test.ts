/**
 * The fleet view of door truth (central migration 7): a jammed door, a suspected cut sensor cable
 * and a compartment's low health are open alarms of the bank after a real ingest, and each closes
 * with the event that ends it.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openAlarms } from "../../src/central/fleet/alarm-reads.js";
import type { FleetSettings } from "../../src/central/fleet/queries.js";
import { useTestCentral } from "../support/sync-parts.js";

type Ev = [seq: number, type: string, lockerId: string | null, parcelId: string | null, data: Record<string, unknown>];

const central = useTestCentral();
const settings: FleetSettings = { offlineAfterMs: 60_000, sizes: ["S", "M", "L"] };
let bank: pg.Client;
let key = "";
const T0 = Date.now() - 3_600_000;
const admin = { query: <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => central.db.admin<T>(sql, params) };

beforeAll(async () => {
  const b = await central.addBank("DT1");
  key = b.key;
  bank = new pg.Client({ connectionString: b.url });
  await bank.connect();
});
afterAll(async () => {
  await bank.end();
});

async function ingest(events: Ev[]): Promise<void> {
  await bank.query(`SELECT central.ingest_batch($1, $2, $3::jsonb)`, ["DT1", key, JSON.stringify(events.map((e) => [e[0], T0 + e[0] * 1000, true, e[1], e[2], e[3], e[4]]))]);
}
const open = async () => (await openAlarms(admin, settings, { bankId: "DT1", limit: 20 })).map((a) => `${a.kind} ${a.lockerId ?? ""}`.trim()).sort();

it("jam, cut cable and low health are open alarms until the events that end them", async () => {
  await ingest([
    [1, "lockers.snapshot", null, null, { lockers: [{ id: "A01", size: "S", status: "OCCUPIED", serviceReason: null, parcelId: "p1" }, { id: "A02", size: "S", status: "AVAILABLE", serviceReason: null, parcelId: null }, { id: "A03", size: "M", status: "OCCUPIED", serviceReason: null, parcelId: "p3" }] }],
    [2, "alarm.door_jammed", "A01", "p1", { purpose: "pickup", failedOpens: 1, moveTo: ["A02"] }],
    [3, "alarm.door_forced", "A02", null, { how: "opened" }],
    [4, "alarm.sensor_cut_suspected", "A02", null, { openForMs: 600_000 }],
    [5, "alarm.locker_health_low", "A03", "p3", { score: 42, threshold: 50, reason: "5 jams", holdsParcel: true }],
  ]);
  expect(await open()).toEqual(["door_forced A02", "door_jammed A01", "locker_health_low A03", "sensor_cut_suspected A02"]);

  await ingest([
    // the cable repaired: the sensor reads closed
    [6, "alarm.door_closed", "A02", null, {}],
    // the low-health locker taken out of service once its parcel left
    [7, "locker.released", "A03", "p3", {}],
    [8, "locker.flagged", "A03", null, { reason: "health score 42 below 50: 5 jams" }],
  ]);
  expect(await open()).toEqual(["door_jammed A01", "locker_flagged A03"]);

  // the jammed locker repaired and put back
  await ingest([[9, "locker.in_service", "A01", null, { status: "AVAILABLE" }]]);
  expect(await open()).toEqual(["locker_flagged A03"]);
});

it("a moved parcel: the center shows the old locker out of service and the new one occupied by it", async () => {
  await ingest([
    [20, "lockers.snapshot", null, null, { lockers: [{ id: "B01", size: "S", status: "OCCUPIED", serviceReason: null, parcelId: "p9" }, { id: "B02", size: "M", status: "AVAILABLE", serviceReason: null, parcelId: null }] }],
    [21, "parcel.moved", "B02", "p9", { from: "B01", to: "B02", reason: "door jammed" }],
    [22, "locker.flagged", "B01", null, { reason: "inspect: door jammed; parcel p9 moved to B02" }],
    [23, "lockers.snapshot", null, null, { lockers: [{ id: "B01", size: "S", status: "OUT_OF_SERVICE", serviceReason: "inspect: door jammed; parcel p9 moved to B02", parcelId: null }, { id: "B02", size: "M", status: "OCCUPIED", serviceReason: null, parcelId: "p9" }] }],
  ]);
  const r = await central.db.admin<{ locker_id: string; status: string; parcel_id: string | null }>(
    `SELECT locker_id, status, parcel_id FROM central.lockers WHERE bank_id = 'DT1' AND locker_id IN ('B01', 'B02') ORDER BY 1`,
  );
  expect(r.rows).toEqual([
    { locker_id: "B01", status: "OUT_OF_SERVICE", parcel_id: null },
    { locker_id: "B02", status: "OCCUPIED", parcel_id: "p9" },
  ]);
  const moved = await central.db.admin(`SELECT type FROM central.events WHERE bank_id = 'DT1' AND type = 'parcel.moved'`);
  expect(moved.rows).toHaveLength(1);
});
