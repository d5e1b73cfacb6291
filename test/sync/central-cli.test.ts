/** The operator's commands, run as the README says: migrate the central schema, create a bank's role. */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";

const run = promisify(execFile);
const tsx = (file: string, args: string[]) => run(process.execPath, ["--import", "tsx", file, ...args], { encoding: "utf8" });

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "lockerd-central-cli-"));
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

it("migrates, then creates a bank role whose password file logs in", async () => {
  const m1 = await tsx("src/central/migrate.ts", ["--url", db.url]);
  expect(m1.stdout).toContain(`migrated from version 0 to ${CENTRAL_MIGRATIONS.length}`);
  const m2 = await tsx("src/central/migrate.ts", ["--url", db.url]);
  expect(m2.stdout).toMatch(/up to date/);

  const role = `lockerd_bank_cli${Date.now().toString(36)}`;
  db.trackRole(role);
  const pwFile = join(dir, "pw");
  const out = await tsx("src/central/create-bank.ts", ["--url", db.url, "--bank", "CLI-1", "--role", role, "--password-file", pwFile]);
  expect(JSON.parse(out.stdout)).toEqual({ bankId: "CLI-1", role, passwordFile: pwFile });
  expect(statSync(pwFile).mode & 0o777).toBe(0o600);
  const c = new pg.Client({ connectionString: db.urlAs(role, readFileSync(pwFile, "utf8").trim()) });
  await c.connect();
  const r = await c.query<{ id: string }>("SELECT id FROM central.banks");
  await c.end();
  expect(r.rows).toEqual([{ id: "CLI-1" }]);

  // a second time without --rotate is refused rather than silently changing the password
  await expect(tsx("src/central/create-bank.ts", ["--url", db.url, "--bank", "CLI-1", "--role", role])).rejects.toMatchObject({ code: 1 });
});

it("refuses an existing --password-file before creating anything, and leaves the file as it was", async () => {
  const role = `lockerd_bank_cli2${Date.now().toString(36)}`;
  db.trackRole(role);
  const pwFile = join(dir, "already-there.pw");
  writeFileSync(pwFile, "someone else's password\n");
  const err = (await tsx("src/central/create-bank.ts", ["--url", db.url, "--bank", "CLI-2", "--role", role, "--password-file", pwFile]).catch((e: unknown) => e)) as {
    code: number;
    stderr: string;
  };
  expect(err.code).toBe(1);
  expect(err.stderr).toMatch(/already-there\.pw exists; nothing was created/);
  expect(readFileSync(pwFile, "utf8")).toBe("someone else's password\n");
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    expect((await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount).toBe(0);
    expect((await c.query("SELECT 1 FROM central.banks WHERE id = 'CLI-2'")).rowCount).toBe(0);
  } finally {
    await c.end();
  }
  expect(readdirSync(dir).filter((f) => f.includes(".new-"))).toEqual([]);
});
