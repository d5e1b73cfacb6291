/**
 * Central migration 10 (reachable-door hints of pre-advice) over a database one migration
 * older that holds advice: the advice stays as it was (none asks for a reachable door), and
 * the ingest role made before it may pull its bank's hints without being made again, and
 * still reads no table.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { createBank, createIngestRole } from "../../src/central/banks.js";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";
import { ADVICE_HINTS_SQL } from "../../src/central/migrations/010-advice-hints.js";
import { useAdminDatabase } from "../support/pg.js";

/** Its place in the list (numbered 10; the lead may renumber at merge). */
const MINE = CENTRAL_MIGRATIONS.indexOf(ADVICE_HINTS_SQL) + 1;
const fresh = useAdminDatabase();

it("applies over held advice, and the ingest role made before it pulls its own bank's hints", async () => {
  expect(MINE).toBeGreaterThan(7);
  await migrateCentral(fresh.admin, MINE - 1);
  const role = `lockerd_ingest_hints${randomBytes(4).toString("hex")}`;
  fresh.db.trackRole(role);
  const { password } = await createIngestRole(fresh.admin, { role });
  const { key } = await createBank(fresh.admin, { bankId: "H1" });
  await createBank(fresh.admin, { bankId: "H2" });
  await fresh.admin.query(`INSERT INTO central.advice (bank_id, tracking_ref, email, created_by, created_at, updated_at, expires_at) VALUES ('H1', 'OLD-1', 'kim@example.org', 'test', now(), now(), now() + interval '1 day')`);

  expect(await migrateCentral(fresh.admin, MINE)).toEqual({ from: MINE - 1, to: MINE });
  expect((await fresh.admin.query(`SELECT tracking_ref, status, reachable FROM central.advice`)).rows).toEqual([{ tracking_ref: "OLD-1", status: "waiting", reachable: false }]);
  await fresh.admin.query(`SELECT central.put_advice_hint('H1', 'NEW-1', true, now() + interval '1 day')`);
  await fresh.admin.query(`SELECT central.put_advice_hint('H2', 'NEW-2', true, now() + interval '1 day')`);

  const asBank = new pg.Client({ connectionString: fresh.db.urlAs(role, password) });
  await asBank.connect();
  try {
    const r = await asBank.query<{ tracking_ref: string; reachable: boolean }>(`SELECT tracking_ref, reachable FROM central.pull_advice_hints('H1', $1, 0, 10)`, [key]);
    expect(r.rows).toEqual([{ tracking_ref: "NEW-1", reachable: true }]);
    await expect(asBank.query(`SELECT * FROM central.advice_hints`)).rejects.toMatchObject({ code: "42501" });
    await expect(asBank.query(`SELECT central.put_advice_hint('H1', 'FORGED', true, now() + interval '1 day')`)).rejects.toMatchObject({ code: "42501" });
  } finally {
    await asBank.end();
  }
});
