/** The operator's commands, run as the README says: migrate the central schema, the ingest role, a bank's key. */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";
import { ingestAs } from "../support/central.js";
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

it("migrates, creates the ingest role and a bank whose key file, with the role's password file, ingests; --rotate refuses the old key", async () => {
  const m1 = await tsx("src/central/migrate.ts", ["--url", db.url]);
  expect(m1.stdout).toContain(`migrated from version 0 to ${CENTRAL_MIGRATIONS.length}`);
  const m2 = await tsx("src/central/migrate.ts", ["--url", db.url]);
  expect(m2.stdout).toMatch(/up to date/);

  const role = `lockerd_ingest_cli${Date.now().toString(36)}`;
  db.trackRole(role);
  const pwFile = join(dir, "pw");
  const made = await tsx("src/central/create-ingest-role.ts", ["--url", db.url, "--role", role, "--password-file", pwFile]);
  expect(JSON.parse(made.stdout)).toEqual({ role, passwordFile: pwFile });
  const keyFile = join(dir, "key");
  const out = await tsx("src/central/create-bank.ts", ["--url", db.url, "--bank", "CLI-1", "--key-file", keyFile]);
  expect(JSON.parse(out.stdout)).toEqual({ bankId: "CLI-1", keyFile });
  for (const f of [pwFile, keyFile]) expect(statSync(f).mode & 0o777).toBe(0o600);
  const c = new pg.Client({ connectionString: db.urlAs(role, readFileSync(pwFile, "utf8").trim()) });
  await c.connect();
  try {
    const oldKey = readFileSync(keyFile, "utf8").trim();
    expect(await ingestAs(c, "CLI-1", oldKey, "[]")).toBe(0);
    // a second time without --rotate is refused rather than silently changing the key
    await expect(tsx("src/central/create-bank.ts", ["--url", db.url, "--bank", "CLI-1"])).rejects.toMatchObject({ code: 1 });
    // a leaked key: rotated, the old one refused from the next call on
    await tsx("src/central/create-bank.ts", ["--url", db.url, "--bank", "CLI-1", "--key-file", keyFile, "--rotate"]);
    const newKey = readFileSync(keyFile, "utf8").trim();
    expect(newKey).not.toBe(oldKey);
    await expect(ingestAs(c, "CLI-1", oldKey, "[]")).rejects.toMatchObject({ code: "28000" });
    expect(await ingestAs(c, "CLI-1", newKey, "[]")).toBe(0);
  } finally {
    await c.end();
  }
});

it("refuses an existing --key-file before registering anything, and leaves the file as it was", async () => {
  const keyFile = join(dir, "already-there.key");
  writeFileSync(keyFile, "someone else's key\n");
  const err = (await tsx("src/central/create-bank.ts", ["--url", db.url, "--bank", "CLI-2", "--key-file", keyFile]).catch((e: unknown) => e)) as {
    code: number;
    stderr: string;
  };
  expect(err.code).toBe(1);
  expect(err.stderr).toMatch(/already-there\.key exists; nothing was created/);
  expect(readFileSync(keyFile, "utf8")).toBe("someone else's key\n");
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    expect((await c.query("SELECT 1 FROM central.banks WHERE id = 'CLI-2'")).rowCount).toBe(0);
  } finally {
    await c.end();
  }
  expect(readdirSync(dir).filter((f) => f.includes(".new-"))).toEqual([]);
});

it("refuses an existing --password-file for the ingest role before making the role", async () => {
  const role = `lockerd_ingest_cli${Date.now().toString(36)}`;
  db.trackRole(role);
  const pwFile = join(dir, "ingest-already-there.pw");
  writeFileSync(pwFile, "someone else's password\n");
  const err = (await tsx("src/central/create-ingest-role.ts", ["--url", db.url, "--role", role, "--password-file", pwFile]).catch((e: unknown) => e)) as {
    code: number;
    stderr: string;
  };
  expect(err.code).toBe(1);
  expect(err.stderr).toMatch(/ingest-already-there\.pw exists; nothing was created/);
  expect(readFileSync(pwFile, "utf8")).toBe("someone else's password\n");
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    expect((await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount).toBe(0);
  } finally {
    await c.end();
  }
  expect(readdirSync(dir).filter((f) => f.includes(".new-"))).toEqual([]);
});

it("--statement-timeout-ms sets the ingest role's bound, a new password keeps it, and a bad value is refused before anything is made", async () => {
  const role = `lockerd_ingest_cli${Date.now().toString(36)}t`;
  db.trackRole(role);
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const timeout = async () =>
    (
      await c.query<{ c: string }>(
        `SELECT c FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) c WHERE r.rolname = $1 AND c LIKE 'statement%'`,
        [role],
      )
    ).rows.map((r) => r.c);
  try {
    for (const [bad, why] of [
      ["soon", /"soon": expected a whole number of milliseconds/],
      ["1.5", /"1.5": expected a whole number of milliseconds/],
      ["0", /0 ms: expected 1000 \(1 s\) to 3600000 \(1 h\) milliseconds/],
      ["-300", /-300 ms: expected 1000/],
      ["86400000", /86400000 ms: expected 1000 \(1 s\) to 3600000 \(1 h\)/],
    ] as const) {
      const err = (await tsx("src/central/create-ingest-role.ts", ["--url", db.url, "--role", role, `--statement-timeout-ms=${bad}`]).catch((e: unknown) => e)) as {
        code: number;
        stderr: string;
      };
      expect(err.code, bad).toBe(1);
      expect(err.stderr, bad).toMatch(why);
      expect(err.stderr, bad).toMatch(/--statement-timeout-ms: .*nothing was created/);
    }
    const missing = (await tsx("src/central/create-ingest-role.ts", ["--url", db.url, "--role", role, "--statement-timeout-ms"]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^create-ingest-role: Option '--statement-timeout-ms <value>' argument missing\nusage: /);
    expect((await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount).toBe(0);

    await tsx("src/central/create-ingest-role.ts", ["--url", db.url, "--role", role, "--statement-timeout-ms", "300000"]);
    expect(await timeout()).toEqual(["statement_timeout=300000ms"]);
    // a new password keeps the bound the operator chose; a new bound replaces it
    await tsx("src/central/create-ingest-role.ts", ["--url", db.url, "--role", role, "--rotate"]);
    expect(await timeout()).toEqual(["statement_timeout=300000ms"]);
    await tsx("src/central/create-ingest-role.ts", ["--url", db.url, "--role", role, "--rotate", "--statement-timeout-ms", "90000"]);
    expect(await timeout()).toEqual(["statement_timeout=90000ms"]);
  } finally {
    await c.end();
  }
});

it("every central tool refuses an unknown option in one line with its usage, before connecting to anything", async () => {
  const tools: [string, string][] = [
    ["src/central/migrate.ts", "central-migrate"],
    ["src/central/create-bank.ts", "create-bank"],
    ["src/central/create-ingest-role.ts", "create-ingest-role"],
    ["src/central/conflicts.ts", "conflicts"],
    ["src/central/command-tool.ts", "central-command"],
  ];
  for (const [file, tool] of tools) {
    const err = (await tsx(file, ["--url", "postgresql://nobody@127.0.0.1:1/none", "--bogus"]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code, file).toBe(1);
    expect(err.stderr, file).toMatch(new RegExp(`^${tool}: Unknown option '--bogus'.*\\n\\s*usage: `));
    expect(err.stderr, file).not.toMatch(/\n\s+at /); // no stack trace
  }
});
