/**
 * Central migration 12 over a database one migration older that holds alarms: an alarm the bank
 * cleared before the migration and raises again after it keeps its old id as an opening (read by
 * the fleet, not by the bank's role); a clear and a raise in one batch give a new id; and
 * kiosk.lockout_ended (a lockout that ran out) clears pickup_lockout, which it did not before.
 */
import { expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";
import { ALARM_OPENINGS_SQL } from "../../src/central/migrations/012-alarm-openings.js";
import { preMigrationBank } from "../support/central.js";
import { useAdminDatabase } from "../support/pg.js";

/** Its place in the list (numbered 12; the lead may renumber at merge). */
const MINE = CENTRAL_MIGRATIONS.indexOf(ALARM_OPENINGS_SQL) + 1;
const fresh = useAdminDatabase();

const lockout = { source: "keypad:main", trips: 1, lockedForMs: 40_000, lockedUntil: "2026-03-01T08:01:00.000Z" };
const ended = { source: "keypad:main", alarmedAt: "2026-03-01T08:00:20.000Z", endedAt: "2026-03-01T09:00:20.000Z" };

it("applies over held alarms; old ids are kept as openings, and a lockout that ran out clears its alarm", async () => {
  expect(MINE).toBeGreaterThan(11);
  const { db, admin } = fresh;
  await migrateCentral(admin, MINE - 1);
  const T0 = Date.now() - 3_600_000;
  const { asBank, ingest, end } = await preMigrationBank(admin, db, "M1", T0);
  try {
    const alarm = async (kind: string) =>
      (await admin.query<{ id: string; open: boolean }>(`SELECT id, cleared_at IS NULL AS open FROM central.alarms WHERE bank_id = 'M1' AND kind = $1`, [kind])).rows[0];

    await ingest([[1, "alarm.door_left_open", "A02", { openForMs: 120_000 }]]);
    await ingest([[2, "alarm.door_closed", "A02", {}], [3, "alarm.pickup_lockout", null, lockout]]);
    // before migration 12 a lockout's end clears nothing
    await ingest([[4, "kiosk.lockout_ended", null, ended]]);
    expect(await alarm("pickup_lockout")).toMatchObject({ open: true });
    const before = await alarm("door_left_open");
    expect(before).toMatchObject({ open: false });

    expect(await migrateCentral(admin, MINE)).toEqual({ from: MINE - 1, to: MINE });
    expect(await alarm("door_left_open")).toEqual(before);

    await ingest([[5, "alarm.door_left_open", "A02", { openForMs: 240_000 }]]);
    const reopened = await alarm("door_left_open");
    expect(reopened).toMatchObject({ open: true });
    expect(reopened!.id).not.toBe(before!.id);
    const kept = await admin.query(`SELECT id, kind, locker_id, raised_seq, cleared_seq, cleared_by FROM central.alarm_openings`);
    expect(kept.rows).toEqual([{ id: before!.id, kind: "door_left_open", locker_id: "A02", raised_seq: "1", cleared_seq: "2", cleared_by: null }]);

    // a clear and the next raise in one batch: a new id, and the opening that ended is kept
    await ingest([[6, "alarm.door_closed", "A02", {}], [7, "alarm.door_left_open", "A02", { openForMs: 60_000 }]]);
    const next = await alarm("door_left_open");
    expect(next).toMatchObject({ open: true });
    expect(next!.id).not.toBe(reopened!.id);
    const second = await admin.query(`SELECT cleared_seq, cleared_at FROM central.alarm_openings WHERE id = $1`, [reopened!.id]);
    expect(second.rows).toEqual([{ cleared_seq: "6", cleared_at: new Date(T0 + 6) }]);
    // a raise of an alarm still open is the same opening
    await ingest([[8, "alarm.door_left_open", "A02", { openForMs: 120_000 }]]);
    expect(await alarm("door_left_open")).toEqual(next);

    await ingest([[9, "kiosk.lockout_ended", null, ended]]);
    expect(await alarm("pickup_lockout")).toMatchObject({ open: false });

    await expect(asBank.query(`SELECT * FROM central.alarm_openings`)).rejects.toMatchObject({ code: "42501" });
  } finally {
    await end();
  }
});
