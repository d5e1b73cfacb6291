/**
 * The central projections after batches that exercise every rule of the set-based ingest: the
 * locker state machine (out of service holds through parcel events, snapshots, in_service),
 * parcel status/details/deadline merged across batches, codes cleared once useless, re-sent
 * batches changing nothing, and a re-sent event compared without its codes but with all its content.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { batchParams } from "../../src/sync/central-link.js";
import { useTestCentral } from "../support/sync-parts.js";

type Ev = [seq: number, type: string, lockerId: string | null, parcelId: string | null, data: Record<string, unknown>];

const central = useTestCentral();
let bank: pg.Client;
const T0 = Date.UTC(2026, 2, 10, 12);
const at = (seq: number) => T0 + seq * 60_000;
const X1 = T0 + 86_400_000;
const X2 = T0 + 2 * 86_400_000;
const X3 = T0 + 3 * 86_400_000;
const X4 = T0 + 4 * 86_400_000;

beforeAll(async () => {
  bank = new pg.Client({ connectionString: (await central.addBank("B2")).url });
  await bank.connect();
});
afterAll(async () => {
  await bank.end();
});

async function ingest(events: Ev[]): Promise<number> {
  const r = await bank.query<{ ack: string }>(`SELECT central.ingest_events($1, $2::jsonb) AS ack`, [
    "B2",
    JSON.stringify(events.map((e) => [e[0], at(e[0]), true, e[1], e[2], e[3], e[4]])),
  ]);
  return Number(r.rows[0]!.ack);
}

/** A sealed envelope's shape (src/system/sealed-codes.ts): the center keeps it as it came. */
const S1 = { v: 1, r: [{ k: "00112233aabbccdd", e: "eph", n: "nonce", c: "ciphertext" }] };

const batch1: Ev[] = [
  [1, "lockers.snapshot", null, null, { lockers: [{ id: "A01", status: "AVAILABLE", size: "S" }, { id: "A02", status: "OUT_OF_SERVICE", size: "M", serviceReason: "jammed" }] }],
  [2, "parcel.assigned", "A01", "P1", { size: "S", lockerSize: "S", trackingRef: "T1", expiresAt: X1, sealedCodes: S1 }],
  [3, "locker.out_of_service", "A01", null, { reason: "broken" }],
  [4, "parcel.stored", "A01", "P1", {}],
  // a bank older than sealing sends the plain code: the center drops it
  [5, "parcel.assigned", "A02", "P2", { size: "M", lockerSize: "M", trackingRef: "T2", expiresAt: X2, pickupCode: "33334444", pickupToken: "tok2" }],
  [6, "parcel.deadline_changed", "A02", "P2", { to: X3 }],
];
const batch2: Ev[] = [
  [7, "locker.in_service", "A01", null, { status: "OCCUPIED" }],
  [8, "parcel.picked_up", "A01", "P1", {}],
  [9, "locker.released", "A01", "P1", {}],
  [10, "parcel.removed", "A01", "P1", {}],
  [11, "parcel.deadline_changed", "A02", "P2", { to: X4 }],
];

it("after the first batch: out of service holds through parcel events, sealed codes are kept while useful, plain codes never", async () => {
  expect(await ingest(batch1)).toBe(6);
  const l = await central.db.admin(`SELECT locker_id, status, service_reason, size, parcel_id, status_seq::int, last_seq::int FROM central.lockers WHERE bank_id = 'B2' ORDER BY 1`);
  expect(l.rows).toEqual([
    { locker_id: "A01", status: "OUT_OF_SERVICE", service_reason: "broken", size: "S", parcel_id: "P1", status_seq: 4, last_seq: 4 },
    { locker_id: "A02", status: "OUT_OF_SERVICE", service_reason: "jammed", size: "M", parcel_id: "P2", status_seq: 5, last_seq: 6 },
  ]);
  const p = await central.db.admin(`SELECT parcel_id, status, sealed_codes, expires_at, expires_seq::int FROM central.parcels WHERE bank_id = 'B2' ORDER BY 1`);
  expect(p.rows).toEqual([
    { parcel_id: "P1", status: "STORED", sealed_codes: S1, expires_at: new Date(X1), expires_seq: 2 },
    { parcel_id: "P2", status: "ASSIGNED", sealed_codes: null, expires_at: new Date(X3), expires_seq: 6 },
  ]);
  const plain = await central.db.admin(`SELECT count(*)::int AS n FROM central.parcels p WHERE p::text LIKE '%33334444%' OR p::text LIKE '%tok2%'`);
  expect(plain.rows[0]).toEqual({ n: 0 });
});

it("later batches merge with what is held; a re-sent batch changes nothing", async () => {
  expect(await ingest(batch2)).toBe(11);
  expect(await ingest(batch2)).toBe(11);
  expect(await ingest([...batch2, [12, "parcel.cancelled", "A02", "P2", {}]])).toBe(12);
  const l = await central.db.admin(`SELECT locker_id, status, service_reason, size, parcel_id, status_seq::int, last_seq::int, last_event_type FROM central.lockers WHERE bank_id = 'B2' ORDER BY 1`);
  expect(l.rows).toEqual([
    { locker_id: "A01", status: "AVAILABLE", service_reason: null, size: "S", parcel_id: null, status_seq: 9, last_seq: 10, last_event_type: "parcel.removed" },
    { locker_id: "A02", status: "OUT_OF_SERVICE", service_reason: "jammed", size: "M", parcel_id: "P2", status_seq: 5, last_seq: 12, last_event_type: "parcel.cancelled" },
  ]);
  const p = await central.db.admin(
    `SELECT parcel_id, locker_id, tracking_ref, status, status_seq::int, sealed_codes, expires_at, stored_at, picked_up_at, removed_at, cancelled_at
     FROM central.parcels WHERE bank_id = 'B2' ORDER BY 1`,
  );
  expect(p.rows).toEqual([
    { parcel_id: "P1", locker_id: "A01", tracking_ref: "T1", status: "PICKED_UP", status_seq: 8, sealed_codes: null, expires_at: new Date(X1),
      stored_at: new Date(at(4)), picked_up_at: new Date(at(8)), removed_at: new Date(at(10)), cancelled_at: null },
    { parcel_id: "P2", locker_id: "A02", tracking_ref: "T2", status: "CANCELLED", status_seq: 12, sealed_codes: null, expires_at: new Date(X4),
      stored_at: null, picked_up_at: null, removed_at: null, cancelled_at: new Date(at(12)) },
  ]);
  const h = await central.db.admin(`SELECT parcel_id, seq::int, status FROM central.parcel_history WHERE bank_id = 'B2' ORDER BY seq`);
  expect(h.rows.map((r) => `${r.parcel_id}:${r.seq}:${r.status ?? "-"}`)).toEqual([
    "P1:2:ASSIGNED", "P1:4:STORED", "P2:5:ASSIGNED", "P2:6:-", "P1:8:PICKED_UP", "P1:10:-", "P2:11:-", "P2:12:CANCELLED",
  ]);
  const e = await central.db.admin<{ n: string; coded: string }>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE data ?| ARRAY['pickupCode', 'pickupToken', 'sealedCodes']) AS coded FROM central.events WHERE bank_id = 'B2'`,
  );
  expect(e.rows[0]).toEqual({ n: "12", coded: "0" });
});

it("a re-sent event without its codes is the same event; with other content it is a conflict", async () => {
  const stripped: Ev = [2, "parcel.assigned", "A01", "P1", { size: "S", lockerSize: "S", trackingRef: "T1", expiresAt: X1 }];
  expect(await ingest([stripped])).toBe(2);
  const changed: Ev = [2, "parcel.assigned", "A01", "P1", { size: "S", lockerSize: "S", trackingRef: "T9", expiresAt: X1 }];
  await expect(ingest([changed])).rejects.toMatchObject({ code: "LK001" });
  const p = await central.db.admin(`SELECT tracking_ref FROM central.parcels WHERE bank_id = 'B2' AND parcel_id = 'P1'`);
  expect(p.rows).toEqual([{ tracking_ref: "T1" }]);
});

it("the bank's hand-built parameters carry quotes, backslashes, NULL and non-ASCII text unchanged", async () => {
  const odd = `A"1\\ {x},NULL é`;
  const data = JSON.stringify({ note: `line\n"quoted" \\ back ✓`, lockers: "NULL" });
  const params = batchParams("B2", [
    { seq: 20, type: "locker.flagged", at: at(20), clockSynced: false, lockerId: odd, parcelId: null, data },
    { seq: 21, type: "door.opened", at: at(21), clockSynced: true, lockerId: null, parcelId: "NULL", data: "{}" },
  ]);
  const r = await bank.query<{ ack: string }>(`SELECT central.ingest_events($1, $2::jsonb) AS ack`, params);
  expect(Number(r.rows[0]!.ack)).toBe(21);
  const e = await central.db.admin(`SELECT seq::int, type, at, clock_synced, locker_id, parcel_id, data FROM central.events WHERE bank_id = 'B2' AND seq >= 20 ORDER BY seq`);
  expect(e.rows).toEqual([
    { seq: 20, type: "locker.flagged", at: new Date(at(20)), clock_synced: false, locker_id: odd, parcel_id: null, data: JSON.parse(data) },
    { seq: 21, type: "door.opened", at: new Date(at(21)), clock_synced: true, locker_id: null, parcel_id: "NULL", data: {} },
  ]);
});
