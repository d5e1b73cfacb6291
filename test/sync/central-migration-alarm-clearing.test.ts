/**
 * Central migration 11 (operators clear alarms) over a database one migration older that holds
 * alarms, open and cleared: every row keeps what it held and gets its own id; the bank's ingest
 * (with its key, through the shared ingest role made before it) still raises and clears alarms,
 * a reopened row gets a new id, and the ingest role still reads no table, the new log neither.
 */
import { expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";
import { ALARM_CLEARING_SQL } from "../../src/central/migrations/011-alarm-clearing.js";
import { preMigrationBank } from "../support/central.js";
import { useAdminDatabase } from "../support/pg.js";

/** Its place in the list (numbered 11; the lead may renumber at merge). */
const MINE = CENTRAL_MIGRATIONS.indexOf(ALARM_CLEARING_SQL) + 1;
const fresh = useAdminDatabase();

const rows = async () =>
  (await fresh.admin.query(`SELECT bank_id, kind, locker_id, raised_seq, last_seq, raises, data, cleared_seq, cleared_at IS NULL AS open FROM central.alarms ORDER BY 1, 2, 3`)).rows;

it("applies over held alarms, each gets its own id, and ingest goes on raising, clearing and reopening them", async () => {
  expect(MINE).toBeGreaterThan(7);
  const { admin } = fresh;
  await migrateCentral(admin, MINE - 1);
  const { asBank, ingest, end } = await preMigrationBank(admin, fresh.db, "M1", Date.now() - 3_600_000);
  try {
    await ingest([
      [1, "alarm.door_forced", "A01", { how: "opened" }],
      [2, "alarm.door_left_open", "A02", { openForMs: 120_000 }],
    ]);
    // a batch's raise and later clear of one alarm leave no row: the clear comes on its own
    await ingest([
      [3, "alarm.door_closed", "A02", {}],
      [4, "alarm.command_refused", null, { commandId: 1, kind: "open_door", reason: "EXPIRED", message: "expired", keyId: null, signedId: null }],
    ]);
    const before = await rows();
    expect(before).toHaveLength(3);

    expect(await migrateCentral(admin, MINE)).toEqual({ from: MINE - 1, to: MINE });
    expect(await rows()).toEqual(before);
    const ids = (await admin.query<{ id: string; cleared_by: string | null }>(`SELECT id, cleared_by FROM central.alarms`)).rows;
    expect(new Set(ids.map((x) => x.id)).size).toBe(3);
    expect(ids.every((x) => x.cleared_by === null)).toBe(true);

    // the left-open door (cleared by its event) opens again: a new id; the forced door closes
    const leftOpen = async () => (await admin.query<{ id: string; open: boolean }>(`SELECT id, cleared_at IS NULL AS open FROM central.alarms WHERE kind = 'door_left_open'`)).rows[0]!;
    const was = await leftOpen();
    await ingest([
      [5, "alarm.door_left_open", "A02", { openForMs: 240_000 }],
      [6, "alarm.door_closed", "A01", {}],
    ]);
    const now = await leftOpen();
    expect(now.open).toBe(true);
    expect(now.id).not.toBe(was.id);
    expect((await admin.query(`SELECT kind FROM central.alarms WHERE cleared_at IS NULL ORDER BY 1`)).rows).toEqual([{ kind: "command_refused" }, { kind: "door_left_open" }]);

    await expect(asBank.query(`SELECT * FROM central.alarm_clearings`)).rejects.toMatchObject({ code: "42501" });
    await expect(asBank.query(`SELECT * FROM central.alarms`)).rejects.toMatchObject({ code: "42501" });
  } finally {
    await end();
  }
});
