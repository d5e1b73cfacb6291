/**
 * README's "First setup, step by step", followed as a newcomer would (issue 24, item 19): its
 * shell blocks run as written, in one shell, on a fresh database of the private PostgreSQL
 * (only PGHOST/PGPORT and a superuser for step 1 come from the test, as the README asks); then
 * a bank configured with its local-test JSON block syncs into it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it, vi } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { startDaemonProcess, withoutLockerdVars, type DaemonProcess } from "../support/daemon-process.js";
import { withUrlDatabase } from "../support/pg.js";
import { ROOT } from "../cli/harness.js";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const adminUrl = inject("postgres").adminUrl;
const server = new URL(adminUrl);
const home = mkdtempSync(join(tmpdir(), "lockerd-readme-"));
let daemon: DaemonProcess | null = null;

/** The section's fenced blocks, in order. */
function blocks(): { lang: string; body: string }[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const from = readme.indexOf("### First setup, step by step");
  expect(from).toBeGreaterThan(0);
  const to = readme.indexOf("\n### ", from + 10);
  const section = readme.slice(from, to);
  return [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

async function asSuperuser(sql: string, database = "postgres"): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: withUrlDatabase(adminUrl, database) });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

async function cleanUp(): Promise<void> {
  await asSuperuser("DROP DATABASE IF EXISTS lockerd WITH (FORCE)");
  await asSuperuser("DROP ROLE IF EXISTS lockerd_ingest");
  await asSuperuser("DROP ROLE IF EXISTS lockerd_owner");
}

beforeAll(cleanUp);
afterAll(async () => {
  await daemon?.stop();
  await cleanUp();
  rmSync(home, { recursive: true, force: true });
});

it("sets up a central database as README says, and a bank syncs into it", async () => {
  const all = blocks();
  const shell = all.filter((b) => b.lang === "sh").map((b) => b.body);
  expect(shell.length).toBeGreaterThanOrEqual(3);
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(withoutLockerdVars(process.env)).filter(([k]) => !k.startsWith("PG")));
  // What README tells the reader to set: where the server is; a superuser for step 1.
  Object.assign(env, { HOME: home, PGHOST: server.hostname, PGPORT: server.port, PGUSER: decodeURIComponent(server.username) });
  const r = spawnSync("bash", ["-euo", "pipefail", "-c", shell.join("\n")], { cwd: ROOT, env, encoding: "utf8", timeout: 150_000 });
  expect(r.stderr + r.stdout).not.toMatch(/error|fail/i);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/migrated from version 0 to \d+/);

  const pw = join(home, ".lockerd-central", "ingest.pw");
  const key = join(home, ".lockerd-central", "b0042.key");
  for (const f of [pw, key]) expect(statSync(f).mode & 0o777).toBe(0o600);
  expect(statSync(join(home, ".lockerd-central")).mode & 0o777).toBe(0o700);
  expect((await asSuperuser("SELECT rolcreaterole, rolsuper FROM pg_roles WHERE rolname = 'lockerd_owner'")).rows).toEqual([{ rolcreaterole: true, rolsuper: false }]);

  // Step 4: the password and key files copied to the bank, the local-test JSON as written but for the server's address and the files' places.
  const json = all.filter((b) => b.lang === "json").map((b) => JSON.parse(b.body) as Record<string, Record<string, unknown>>);
  expect(json.length).toBe(2);
  const [local, production] = json as [Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>>];
  const dir = join(home, "bank");
  const bankPw = join(home, "central.pw");
  const bankKey = join(home, "central.key");
  copyFileSync(pw, bankPw);
  copyFileSync(key, bankKey);
  chmodSync(bankPw, 0o600);
  chmodSync(bankKey, 0o600);
  const sync = { ...local.sync, url: String(local.sync!.url).replace("localhost:5432", `${server.hostname}:${server.port}`), passwordFile: bankPw, keyFile: bankKey, intervalMs: 200 };
  const config = join(home, "lockerd.json");
  writeFileSync(config, JSON.stringify({ ...local, sync, dataDir: dir, hardware: { driver: "sim" }, log: { level: "info", pretty: false } }));
  daemon = await startDaemonProcess({ config, db: join(home, "bank.db") });
  const central = await until(async () => {
    const n = Number((await asSuperuser("SELECT count(*) AS n FROM central.events WHERE bank_id = 'B0042'", "lockerd")).rows[0].n);
    return n > 0 ? n : null;
  });
  expect(central).toBeGreaterThan(0);
  const status = (await (await fetch(`${daemon.url}/sync`)).json()) as { lastError: string | null; configured: boolean };
  expect(status).toMatchObject({ configured: true, lastError: null });

  // The production block is a valid configuration too (verify-full with a CA file).
  const prodFile = join(home, "production.json");
  writeFileSync(prodFile, JSON.stringify({ ...production, bank: { id: "B0042" }, dataDir: dir }));
  const cfg = loadConfig({ path: prodFile, env: {} });
  expect(cfg.sync).toMatchObject({ enabled: true, tls: "verify-full" });
  expect(String(cfg.sync.caFile)).toMatch(/central-ca\.pem$/);
});

async function until<T>(fn: () => Promise<T | null>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error("the bank's events never reached the central database");
    await new Promise((r) => setTimeout(r, 200));
  }
}
