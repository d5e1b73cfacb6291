/**
 * The fleet's answers from the central schema after real ingests by banks (the shared ingest role and each bank's key): locker
 * counts follow every status change, alarms open and close with the events that raise and clear
 * them, a sequence conflict the bank reports is an alarm, a silent bank goes offline, and a
 * parcel is found by tracking ref with its history (never its code).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAlarms } from "../../src/central/fleet/alarm-reads.js";
import { bankAvailability, banksWithFree, fleetAvailability } from "../../src/central/fleet/availability-reads.js";
import { fleetSummary, getBank, listBanks } from "../../src/central/fleet/bank-reads.js";
import { bankLockers, bankParcels, parcelsByTrackingRef } from "../../src/central/fleet/parcel-reads.js";
import type { FleetSettings, Queryable, QueryText } from "../../src/central/fleet/queries.js";
import { useTestCentral } from "../support/sync-parts.js";

type Ev = [seq: number, type: string, lockerId: string | null, parcelId: string | null, data: Record<string, unknown>];

const central = useTestCentral();
const settings: FleetSettings = { offlineAfterMs: 60_000, sizes: ["S", "M", "L"] };
let b1: pg.Client;
let b2: pg.Client;
const keys: Record<string, string> = {};
const T0 = Date.now() - 3_600_000;

beforeAll(async () => {
  // each bank logs in as the shared ingest role and shows its own key in every call
  const f1 = await central.addBank("F1");
  const f2 = await central.addBank("F2");
  keys.F1 = f1.key;
  keys.F2 = f2.key;
  b1 = new pg.Client({ connectionString: f1.url });
  b2 = new pg.Client({ connectionString: f2.url });
  await b1.connect();
  await b2.connect();
});
afterAll(async () => {
  await b1.end();
  await b2.end();
});

const admin: Queryable = {
  query: <T extends pg.QueryResultRow>(sql: QueryText, params?: unknown[]) =>
    typeof sql === "string" ? central.db.admin<T>(sql, params) : central.db.admin<T>(sql.text, sql.values),
};

async function ingest(bank: pg.Client, bankId: string, events: Ev[]): Promise<void> {
  await bank.query(`SELECT central.ingest_batch($1, $2, $3::jsonb)`, [bankId, keys[bankId], JSON.stringify(events.map((e) => [e[0], T0 + e[0] * 1000, true, e[1], e[2], e[3], e[4]]))]);
}

const snapshot = (ids: [string, string][]): Record<string, unknown> => ({ lockers: ids.map(([id, size]) => ({ id, size, status: "AVAILABLE" })) });

describe("locker counts and availability", () => {
  it("follow the snapshot, an assignment, a deposit and a pickup", async () => {
    await ingest(b1, "F1", [[1, "lockers.snapshot", null, null, snapshot([["A01", "S"], ["A02", "M"], ["A03", "M"], ["A04", "L"]])]]);
    await ingest(b2, "F2", [[1, "lockers.snapshot", null, null, snapshot([["A01", "M"], ["A02", "L"]])]]);
    expect((await bankAvailability(admin, "F1")).free).toEqual({ L: 1, M: 2, S: 1 });

    await ingest(b1, "F1", [
      [2, "parcel.assigned", "A02", "p1", { size: "M", lockerSize: "M", trackingRef: "TR-1", expiresAt: T0 + 86_400_000, pickupCode: "12345678" }],
      [3, "parcel.stored", "A02", "p1", {}],
      [4, "parcel.assigned", "A03", "p2", { size: "M", lockerSize: "M", trackingRef: "TR-2", expiresAt: T0 + 86_400_000 }],
    ]);
    expect((await bankAvailability(admin, "F1")).free).toEqual({ L: 1, M: 0, S: 1 });
    const bank = await getBank(admin, settings, "F1");
    expect(bank!.occupancy).toEqual({ S: { AVAILABLE: 1 }, M: { OCCUPIED: 1, RESERVED: 1 }, L: { AVAILABLE: 1 } });

    // which of F1, F2 has a free M now: only F2; one that fits an M (M or L): both
    expect(await banksWithFree(admin, { sizes: ["M"], bankIds: ["F1", "F2"], limit: 10 })).toEqual([{ bankId: "F2", free: 1 }]);
    expect(await banksWithFree(admin, { sizes: ["M", "L"], bankIds: ["F1", "F2"], limit: 10 })).toEqual([
      { bankId: "F1", free: 1 },
      { bankId: "F2", free: 2 },
    ]);
    expect(await banksWithFree(admin, { sizes: ["M"], limit: 10 })).toEqual([{ bankId: "F2", free: 1 }]);

    await ingest(b1, "F1", [
      [5, "parcel.picked_up", "A02", "p1", {}],
      [6, "locker.released", "A02", "p1", {}],
    ]);
    expect((await bankAvailability(admin, "F1")).free).toEqual({ L: 1, M: 1, S: 1 });
    expect(await fleetAvailability(admin)).toEqual([
      { size: "L", free: 2, total: 2, banksWithFree: 2 },
      { size: "M", free: 2, total: 3, banksWithFree: 2 },
      { size: "S", free: 1, total: 1, banksWithFree: 1 },
    ]);
  });

  it("agree with a count of the lockers themselves", async () => {
    const counted = await central.db.admin(`SELECT bank_id, size, status, n FROM central.locker_counts WHERE n > 0 ORDER BY 1, 2, 3`);
    const truth = await central.db.admin(
      `SELECT bank_id, COALESCE(size, '') AS size, status, count(*)::int AS n FROM central.lockers GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    expect(counted.rows).toEqual(truth.rows);
  });

  it("lockers and parcels of a bank; a parcel by tracking ref with its history and without its code", async () => {
    const lockers = await bankLockers(admin, "F1");
    expect(lockers.map((l) => [l.id, l.size, l.status])).toEqual([
      ["A01", "S", "AVAILABLE"],
      ["A02", "M", "AVAILABLE"],
      ["A03", "M", "RESERVED"],
      ["A04", "L", "AVAILABLE"],
    ]);
    expect((await bankParcels(admin, "F1", { statuses: ["ASSIGNED", "STORED"], limit: 10 })).map((p) => p.id)).toEqual(["p2"]);
    const [p] = await parcelsByTrackingRef(admin, "TR-1", 10);
    expect(p).toMatchObject({ bankId: "F1", id: "p1", status: "PICKED_UP", lockerId: "A02" });
    expect(p!.history.map((h) => h.type)).toEqual(["parcel.assigned", "parcel.stored", "parcel.picked_up", "locker.released"]);
    expect(JSON.stringify(p)).not.toContain("12345678");
  });
});

describe("alarms", () => {
  it("open with the event that raises them and close with the one that clears them", async () => {
    await ingest(b1, "F1", [
      [7, "alarm.door_forced", "A01", null, {}],
      [8, "hardware.offline", null, null, { lockers: ["A03", "A04"], detail: "board 2 not answering" }],
      [9, "door.open_timeout", "A02", null, { purpose: "pickup", reason: "stayed_closed", failedOpens: 1 }],
      [10, "alarm.storage_full", null, null, { freeBytes: 10 }],
      [11, "alarm.something_new", "A04", null, { why: "a kind this version does not know" }],
    ]);
    const kinds = async () => (await openAlarms(admin, settings, { bankId: "F1", limit: 50 })).map((a) => `${a.kind}:${a.lockerId ?? "-"}`).sort();
    expect(await kinds()).toEqual(["board_offline:A03", "board_offline:A04", "door_forced:A01", "door_jammed:A02", "something_new:A04", "storage_full:-"]);
    expect((await getBank(admin, settings, "F1"))!.openAlarms).toBe(6);

    await ingest(b1, "F1", [
      [12, "alarm.door_closed", "A01", null, {}],
      [13, "hardware.online", null, null, { lockers: ["A03", "A04"], detail: "answering again" }],
      [14, "door.opened", "A02", null, { purpose: "pickup" }],
      [15, "alarm.storage_recovered", null, null, { freeBytes: 1e9 }],
    ]);
    expect(await kinds()).toEqual(["something_new:A04"]);
  });

  it("a door left open raises once however often it repeats, until it closes", async () => {
    await ingest(b2, "F2", [
      [2, "alarm.door_left_open", "A01", null, { openForMs: 60_000 }],
      [3, "alarm.door_left_open", "A01", null, { openForMs: 120_000 }],
    ]);
    const [a] = await openAlarms(admin, settings, { bankId: "F2", limit: 10 });
    expect(a).toMatchObject({ kind: "door_left_open", lockerId: "A01", raises: 2, data: { openForMs: 120_000 } });
    await ingest(b2, "F2", [[4, "alarm.door_closed", "A01", null, {}]]);
    expect(await openAlarms(admin, settings, { bankId: "F2", limit: 10 })).toEqual([]);
  });

  it("within one batch only what follows the last clear counts", async () => {
    await ingest(b2, "F2", [
      [5, "alarm.sensor_unstable", "A02", null, { changes: 9 }],
      [6, "alarm.sensor_settled", "A02", null, {}],
      [7, "alarm.door_forced", "A02", null, {}],
      [8, "alarm.door_closed", "A02", null, {}],
      [9, "alarm.door_forced", "A02", null, { second: true }],
    ]);
    const open = await openAlarms(admin, settings, { bankId: "F2", limit: 10 });
    expect(open.map((a) => [a.kind, a.raises, a.data])).toEqual([["door_forced", 1, { second: true }]]);
    await ingest(b2, "F2", [
      [10, "alarm.door_forced", "A02", null, { third: true }],
      [11, "alarm.door_closed", "A02", null, {}],
    ]);
    expect(await openAlarms(admin, settings, { bankId: "F2", limit: 10 })).toEqual([]);
    const row = await central.db.admin(`SELECT raised_seq::int, cleared_seq::int FROM central.alarms WHERE bank_id = 'F2' AND kind = 'door_forced'`);
    expect(row.rows).toEqual([{ raised_seq: 9, cleared_seq: 11 }]);
  });

  it("a sequence conflict the bank reports is an alarm until it reports none", async () => {
    const report = (conflict: boolean) =>
      b2.query(`SELECT central.report_bank_status_by_key('F2', $1, $2::jsonb)`, [
        keys.F2,
        JSON.stringify({ softwareVersion: "9.9.9", bankTimeMs: Date.now() + 5000, clockSynced: false, backlog: 7, oldestUnsentMs: Date.now() - 2000, lastError: conflict ? "sequence conflict: ..." : null, sequenceConflict: conflict }),
      ]);
    await report(true);
    expect((await openAlarms(admin, settings, { bankId: "F2", limit: 10 })).map((a) => a.kind)).toEqual(["sequence_conflict"]);
    const bank = (await getBank(admin, settings, "F2"))!;
    expect(bank).toMatchObject({ online: true, softwareVersion: "9.9.9", clockSynced: false, backlog: 7, lastError: "sequence conflict: ..." });
    expect(bank.syncLagMs).toBeGreaterThanOrEqual(6000);
    expect(bank.clockOffsetMs).toBeGreaterThan(3000);
    await report(false);
    expect(await openAlarms(admin, settings, { bankId: "F2", limit: 10 })).toEqual([]);
  });

  it("a bank cannot report for another bank", async () => {
    await expect(b2.query(`SELECT central.report_bank_status_by_key('F1', $1, '{}'::jsonb)`, [keys.F2])).rejects.toThrow(/key refused/);
  });
});

describe("online and offline", () => {
  it("a bank not heard from in time is offline, with an offline alarm; the fleet summary counts it", async () => {
    await central.db.admin(`UPDATE central.banks SET last_sync_at = now() - interval '10 minutes' WHERE id = 'F1'`);
    await central.db.admin(`DELETE FROM central.bank_status WHERE bank_id = 'F1'`);
    expect((await getBank(admin, settings, "F1"))!.online).toBe(false);
    expect((await listBanks(admin, settings, { limit: 10, only: "offline" })).map((b) => b.id)).toEqual(["F1"]);
    expect((await listBanks(admin, settings, { limit: 10, only: "attention" })).map((b) => b.id)).toEqual(["F1"]);
    expect((await listBanks(admin, settings, { limit: 10, after: "F1" })).map((b) => b.id)).toEqual(["F2"]);
    const alarms = await openAlarms(admin, settings, { limit: 10 });
    expect(alarms.map((a) => `${a.bankId}:${a.kind}`)).toContain("F1:offline");
    expect(await fleetSummary(admin, settings)).toEqual({ banks: 2, online: 1, offline: 1, withAlarms: 1, openAlarms: 1 });
  });
});
