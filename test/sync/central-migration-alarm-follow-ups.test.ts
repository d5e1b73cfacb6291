/**
 * Central migration 13 over a database one migration older, with banks of both ages: a bank's
 * kiosk.lockout_cleared that names sources still alarmed (stillAlarmed) leaves the bank's
 * pickup_lockout alarm open, which it did not before; one from a bank older than the field (no
 * stillAlarmed), or with it empty, clears it as before; a malformed stillAlarmed neither fails
 * the batch nor keeps the alarm open.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { createBank, createIngestRole } from "../../src/central/banks.js";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";
import { ALARM_FOLLOW_UPS_SQL } from "../../src/central/migrations/013-alarm-follow-ups.js";
import { useAdminDatabase } from "../support/pg.js";

/** Its place in the list (numbered 13; the lead may renumber at merge). */
const MINE = CENTRAL_MIGRATIONS.indexOf(ALARM_FOLLOW_UPS_SQL) + 1;
const fresh = useAdminDatabase();

const lockout = (source: string) => ({ source, trips: 1, lockedForMs: 40_000, lockedUntil: "2026-03-01T08:01:00.000Z" });
const cleared = (source: string, stillAlarmed?: unknown) => ({ source, by: "technician", wasLockedForMs: 30_000, failures: 0, ...(stillAlarmed !== undefined && { stillAlarmed }) });

it("applies over held alarms; a clear naming sources still alarmed leaves the alarm open, an old bank's clear closes it", async () => {
  expect(MINE).toBeGreaterThan(12);
  const { db, admin } = fresh;
  await migrateCentral(admin, MINE - 1);
  const role = `lockerd_ingest_followups${randomBytes(4).toString("hex")}`;
  db.trackRole(role);
  const { password } = await createIngestRole(admin, { role });
  const bank = new pg.Client({ connectionString: db.urlAs(role, password) });
  await bank.connect();
  try {
    const T0 = Date.now() - 3_600_000;
    const banks = new Map<string, { key: string; seq: number }>();
    for (const id of ["OLD", "NEW"]) banks.set(id, { key: (await createBank(admin, { bankId: id })).key, seq: 0 });
    const ingest = async (bankId: string, events: [string, Record<string, unknown>][]) => {
      const b = banks.get(bankId)!;
      const rows = events.map(([type, data]) => [++b.seq, T0 + b.seq, true, type, null, null, data]);
      await bank.query(`SELECT central.ingest_batch($1, $2, $3::jsonb)`, [bankId, b.key, JSON.stringify(rows)]);
    };
    const open = async (bankId: string) =>
      (await admin.query<{ open: boolean }>(`SELECT cleared_at IS NULL AS open FROM central.alarms WHERE bank_id = $1 AND kind = 'pickup_lockout'`, [bankId])).rows[0]?.open;

    // before migration 13 a clear naming another alarmed source closes the alarm all the same
    await ingest("NEW", [["alarm.pickup_lockout", lockout("keypad:main")], ["alarm.pickup_lockout", lockout("scanner:door")]]);
    await ingest("NEW", [["kiosk.lockout_cleared", cleared("keypad:main", ["scanner:door"])]]);
    expect(await open("NEW")).toBe(false);
    await ingest("NEW", [["alarm.pickup_lockout", lockout("keypad:main")]]);
    expect(await open("NEW")).toBe(true);

    expect(await migrateCentral(admin, MINE)).toEqual({ from: MINE - 1, to: MINE });
    expect(await open("NEW")).toBe(true);

    await ingest("NEW", [["kiosk.lockout_cleared", cleared("keypad:main", ["scanner:door"])]]);
    expect(await open("NEW")).toBe(true);
    // the last one's clear (nothing still alarmed) closes it, also in the same batch as another
    await ingest("NEW", [["kiosk.lockout_cleared", cleared("keypad:main", ["scanner:door"])], ["kiosk.lockout_cleared", cleared("scanner:door", [])]]);
    expect(await open("NEW")).toBe(false);
    // ... and so does the run-out end of the last one
    await ingest("NEW", [["alarm.pickup_lockout", lockout("keypad:main")], ["alarm.pickup_lockout", lockout("scanner:door")]]);
    await ingest("NEW", [["kiosk.lockout_cleared", cleared("keypad:main", ["scanner:door"])]]);
    expect(await open("NEW")).toBe(true);
    await ingest("NEW", [["kiosk.lockout_ended", { source: "scanner:door", alarmedAt: "2026-03-01T08:00:20.000Z", endedAt: "2026-03-01T09:00:20.000Z" }]]);
    expect(await open("NEW")).toBe(false);

    // a bank older than the field: its clear closes the alarm, as before
    await ingest("OLD", [["alarm.pickup_lockout", lockout("keypad:main")], ["alarm.pickup_lockout", lockout("scanner:door")]]);
    await ingest("OLD", [["kiosk.lockout_cleared", cleared("keypad:main")]]);
    expect(await open("OLD")).toBe(false);

    // malformed: the batch lands and the clear counts
    for (const bad of ["scanner:door", { a: 1 }, null]) {
      await ingest("OLD", [["alarm.pickup_lockout", lockout("keypad:main")]]);
      expect(await open("OLD")).toBe(true);
      await ingest("OLD", [["kiosk.lockout_cleared", cleared("keypad:main", bad)]]);
      expect(await open("OLD"), JSON.stringify(bad)).toBe(false);
    }
  } finally {
    await bank.end();
  }
});
