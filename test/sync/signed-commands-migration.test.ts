/**
 * The signed-commands migration on a central database already in use: banks created before it
 * can still pull their commands (the pull function is made again with more columns, and its
 * grants with it), commands queued before it are refused by the bank as unsigned.
 */
import pg from "pg";
import { expect, it } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";
import { SIGNED_COMMANDS_SQL } from "../../src/central/migrations/003-signed-commands.js";
import { migration1BankRole } from "../support/central.js";
import { useAdminDatabase } from "../support/pg.js";

const fresh = useAdminDatabase();
it("banks created before it keep pulling, now with the signed payload and signature", async () => {
  const at = CENTRAL_MIGRATIONS.indexOf(SIGNED_COMMANDS_SQL);
  expect(at).toBeGreaterThan(0);
  // the schema as it was before this migration, in use
  await fresh.admin.query(`CREATE TABLE public.lockerd_central_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (let v = 0; v < at; v++) {
    await fresh.admin.query(CENTRAL_MIGRATIONS[v]!);
    await fresh.admin.query(`INSERT INTO public.lockerd_central_migrations (version) VALUES ($1)`, [v + 1]);
  }
  const creds = await migration1BankRole(fresh.admin, fresh.db, "OLD-1");
  await fresh.admin.query(`INSERT INTO central.bank_commands (bank_id, kind, args) VALUES ('OLD-1', 'in_service', '{"lockerId":"A01"}')`);

  expect(await migrateCentral(fresh.admin)).toEqual({ from: at, to: CENTRAL_MIGRATIONS.length });
  const bank = new pg.Client({ connectionString: creds.url });
  await bank.connect();
  try {
    const r = await bank.query(`SELECT id, kind, args, signed_payload, signature FROM central.pull_commands('OLD-1', 10)`);
    expect(r.rows).toEqual([{ id: expect.any(String), kind: "in_service", args: { lockerId: "A01" }, signed_payload: null, signature: null }]);
  } finally {
    await bank.end();
  }
  // a refusal the bank reports closes the command as refused, with its reason
  await fresh.admin.query(`UPDATE central.bank_commands SET status = 'failed', result = '{"error":{"code":"COMMAND_REFUSED","reason":"UNSIGNED"}}'`);
  expect((await fresh.admin.query(`SELECT status, refusal FROM central.bank_commands`)).rows).toEqual([{ status: "refused", refusal: "UNSIGNED" }]);
});
