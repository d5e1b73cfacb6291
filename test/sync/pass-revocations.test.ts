/**
 * Pass revocations travel down with sync, through the real central PostgreSQL: revoked at the
 * center (lockerd-central's routes), pulled by each bank's own sync cycle with its key, kept in
 * the bank's SQLite (store.passes), in id order, only the bank's own and only while in force;
 * the same through the daemon's worker-thread uplink; an older center gives none and says so once.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { migrateCentral } from "../../src/central/apply.js";
import { createBank } from "../../src/central/banks.js";
import { passesModule } from "../../src/central/passes/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { generateKeyPair } from "../../src/signing/ed25519.js";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { WorkerUplink } from "../../src/sync/worker-uplink.js";
import { startTestCentralService } from "../support/central-service.js";
import { silentLog, testLogger } from "../support/log.js";
import { createTestDatabase } from "../support/pg.js";
import { recordedDoorsBank } from "../support/bank.js";
import { FakeClock } from "../support/clock.js";
import { passIssuer } from "../support/passes.js";
import { SYNC_LOCKERS, SYNC_START, syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";
import { cryptoRandom } from "../../src/basics/ports.js";

vi.setConfig({ testTimeout: 60_000 });

const central = useTestCentral();
const { bank, loop } = useSyncParts();
const dir = mkdtempSync(join(tmpdir(), "lockerd-revocations-"));
let service: CentralInstance;
let admin: pg.Client;
let operator: string;
const closing: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  const keyFile = join(dir, "passes.key");
  writeFileSync(keyFile, generateKeyPair().privatePem, { mode: 0o600 });
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [passesModule], config: { passes: { keyFile } } });
  admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  operator = await createOperatorToken(admin, "olga", "operator");
});
afterEach(async () => {
  for (const c of closing.splice(0)) await c.close();
});
afterAll(async () => {
  await admin.end();
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
  const r = await fetch(`${service.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

type Issued = { pass: { passId: string; notAfter: string }; text: string };

/** The ids the center holds for this bank and still in force (earlier tests' revocations included). */
async function liveFor(bankId: string): Promise<number[]> {
  const r = await admin.query<{ id: string }>(`SELECT id FROM central.pass_revocations WHERE not_after > now() - interval '24 hours' AND (cardinality(banks) = 0 OR $1 = ANY (banks)) ORDER BY id`, [bankId]);
  return r.rows.map((x) => Number(x.id));
}

it("a courier revoked at the center is revoked at every bank after its next sync, and only then", async () => {
  const [la, lb] = [await central.addBank(), await central.addBank()];
  const [a, b] = [bank(), bank()];
  const pass = await post<Issued>("/passes/couriers", { carrier: "dhl", courierId: "anna", banks: [la.bankId, lb.bankId] });
  const [syncA, syncB] = [loop(a.ctx, central.link(la), syncSettings(la.bankId)), loop(b.ctx, central.link(lb), syncSettings(lb.bankId))];
  await syncA.runOnce();
  expect(a.ctx.store.passes.isRevoked(pass.pass.passId, "dhl:anna")).toBe(false);

  const { revocation } = await post<{ revocation: { id: number; notAfter: string } }>("/passes/couriers/revoke", { carrier: "dhl", courierId: "anna" });
  // not before the bank syncs: until then the pass's own validity is the bound
  expect(a.ctx.store.passes.isRevoked(pass.pass.passId, "dhl:anna")).toBe(false);
  for (const [s, x] of [[syncA, a], [syncB, b]] as const) {
    expect(await s.runOnce()).toMatchObject({ revocations: 1 });
    expect(x.ctx.store.passes.isRevoked(pass.pass.passId, "dhl:anna")).toBe(true);
    // any other pass of theirs too, and nobody else's
    expect(x.ctx.store.passes.isRevoked("f".repeat(32), "dhl:anna")).toBe(true);
    expect(x.ctx.store.passes.isRevoked(pass.pass.passId, "dhl:anne")).toBe(false);
    expect(x.ctx.store.passes.lastRevocationId()).toBe(revocation.id);
    const row = x.ctx.store.db.prepare(`SELECT not_after AS n FROM pass_revocations WHERE revocation_id = ?`).get(revocation.id) as { n: number };
    expect(row.n).toBe(Date.parse(revocation.notAfter));
  }
  // asked again: nothing new
  expect(await syncA.runOnce()).toMatchObject({ revocations: 0 });
});

it("a bank gets the revocations of passes for it (or for any bank), in id order, never another bank's, never an expired one", async () => {
  const [la, lb] = [await central.addBank(), await central.addBank()];
  const a = bank();
  const forB = await post<Issued>("/passes/returns", { carrier: "dhl", reference: "RMA-B", size: "S", banks: [lb.bankId] });
  const forAny = await post<Issued>("/passes/returns", { carrier: "dhl", reference: "RMA-ANY", size: "S" });
  await post(`/passes/${forB.pass.passId}/revoke`, {});
  await post(`/passes/${forAny.pass.passId}/revoke`, {});
  // one that ended more than a day ago: not sent; one that ended an hour ago still is (a bank
  // with an unsynced clock honours a pass up to passes.clockGraceMs past its end)
  await admin.query(`SELECT central.revoke_pass(NULL, 'ups:old', '{}', now() - interval '25 hours', 'old', 'test')`);
  await admin.query(`SELECT central.revoke_pass(NULL, 'ups:recent', '{}', now() - interval '1 hour', 'recent', 'test')`);
  const syncA = loop(a.ctx, central.link(la), syncSettings(la.bankId));
  await syncA.runOnce();
  const held = a.ctx.store.db.prepare(`SELECT revocation_id AS id, pass_id AS passId, subject FROM pass_revocations ORDER BY revocation_id`).all() as { id: number; passId: string | null; subject: string | null }[];
  expect(held.map((r) => r.id)).toEqual(await liveFor(la.bankId));
  expect(held.filter((r) => r.passId !== null)).toEqual([expect.objectContaining({ passId: forAny.pass.passId })]);
  expect(held.some((r) => r.subject === "ups:old")).toBe(false);
  expect(held.some((r) => r.subject === "ups:recent")).toBe(true);
  expect(a.ctx.store.passes.isRevoked(forB.pass.passId, null)).toBe(false);
});

it("the bank keeps a revocation its clock grace past the pass's end (an unsynced clock honours the pass that long), then drops it", async () => {
  const login = await central.addBank();
  const b = recordedDoorsBank({ lockers: SYNC_LOCKERS, clock: new FakeClock(SYNC_START), random: cryptoRandom, passes: passIssuer().rules(login.bankId, { clockGraceMs: 3_600_000 }) });
  closing.push({ close: () => b.dispose() });
  const now = b.clock.now();
  // ids far above the center's: it has nothing newer for this bank
  b.ctx.store.write(() =>
    b.ctx.store.passes.addRevocations(
      [
        { revocationId: 1e9, passId: "a".repeat(32), subject: null, notAfter: now - 2 * 3_600_000 },
        { revocationId: 1e9 + 1, passId: "b".repeat(32), subject: null, notAfter: now - 30 * 60_000 },
        { revocationId: 1e9 + 2, passId: "c".repeat(32), subject: null, notAfter: now + 3_600_000 },
      ],
      now,
    ),
  );
  expect(await loop(b.ctx, central.link(login), syncSettings(login.bankId)).runOnce()).toMatchObject({ revocations: 0 });
  expect(b.ctx.store.passes.isRevoked("a".repeat(32), null)).toBe(false);
  expect(b.ctx.store.passes.isRevoked("b".repeat(32), null)).toBe(true);
  expect(b.ctx.store.passes.isRevoked("c".repeat(32), null)).toBe(true);
});

it("many revocations arrive in pages within one cycle, in order, with none missing", async () => {
  const login = await central.addBank();
  const a = bank();
  const before = a.ctx.store.passes.lastRevocationId();
  await admin.query(`SELECT central.revoke_pass(NULL, 'bulk:' || i, '{}', now() + interval '1 hour', NULL, 'test') FROM generate_series(1, 1201) i`);
  const live = await liveFor(login.bankId);
  expect(live.length).toBeGreaterThan(1200);
  const report = await loop(a.ctx, central.link(login), syncSettings(login.bankId)).runOnce();
  expect(report.revocations).toBe(live.length);
  const ids = (a.ctx.store.db.prepare(`SELECT revocation_id AS id FROM pass_revocations ORDER BY revocation_id`).all() as { id: number }[]).map((r) => r.id);
  expect(ids).toEqual(live);
  expect(before).toBe(0);
});

it("revocations commit one at a time in id order: a bank never skips one that committed late", async () => {
  const t1 = new pg.Client({ connectionString: central.db.url });
  const t2 = new pg.Client({ connectionString: central.db.url });
  await t1.connect();
  await t2.connect();
  try {
    await t1.query("BEGIN");
    const id1 = Number((await t1.query<{ id: string }>(`SELECT central.revoke_pass(NULL, 'order:1', '{}', now() + interval '1 hour', NULL, 't1') AS id`)).rows[0]!.id);
    let id2: number | null = null;
    const second = t2.query<{ id: string }>(`SELECT central.revoke_pass(NULL, 'order:2', '{}', now() + interval '1 hour', NULL, 't2') AS id`).then((r) => (id2 = Number(r.rows[0]!.id)));
    await new Promise((r) => setTimeout(r, 300));
    // the second waits for the first to end: its id cannot be seen before the first's
    expect(id2).toBeNull();
    await t1.query("COMMIT");
    await second;
    expect(id2).toBeGreaterThan(id1);
  } finally {
    await t1.end();
    await t2.end();
  }
});

it("the daemon's worker-thread uplink pulls revocations the same way", async () => {
  const login = await central.addBank();
  const a = bank();
  const p = await post<Issued>("/passes/couriers", { carrier: "gls", courierId: "wolf", banks: [login.bankId] });
  await post(`/passes/${p.pass.passId}/revoke`, { reason: "lost phone" });
  const uplink = new WorkerUplink({ dbPath: a.dbPath, connection: { connectionString: login.url, connectionTimeoutMillis: 5000 }, bankKey: login.key });
  closing.push(uplink);
  const s = new SyncLoop({ ctx: a.ctx, link: uplink, log: silentLog }, syncSettings(login.bankId));
  closing.push({ close: () => s.stop() });
  expect(await s.runOnce()).toMatchObject({ revocations: (await liveFor(login.bankId)).length });
  expect(a.ctx.store.passes.isRevoked(p.pass.passId, "gls:wolf")).toBe(true);
  expect(a.ctx.store.passes.lastRevocationId()).toBe((await liveFor(login.bankId)).at(-1));
});

it("a center older than migration 6 gives no revocations: sync goes on, the bank says so once", async () => {
  const db = await createTestDatabase();
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await migrateCentral(c, 5);
    const role = `lockerd_ingest_old${process.pid}`;
    db.trackRole(role);
    await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'old-center-password'`);
    await c.query(`GRANT USAGE ON SCHEMA central TO ${role}`);
    await c.query(`GRANT EXECUTE ON FUNCTION central.ingest_batch(text, text, jsonb), central.pull_bank_commands(text, text, integer), central.report_bank_status_by_key(text, text, jsonb) TO ${role}`);
    const { key } = await createBank(c, { bankId: "OLD1" });
    const link = new PgCentralLink({ connection: { connectionString: db.urlAs(role, "old-center-password"), connectionTimeoutMillis: 5000 }, bankKey: key });
    const lines: Record<string, unknown>[] = [];
    const a = bank();
    const s = new SyncLoop({ ctx: a.ctx, link, log: testLogger(lines) }, syncSettings("OLD1"));
    closing.push({ close: () => s.stop() });
    a.ctx.store.write(() => a.ctx.store.setMeta("test.marker", "1"));
    for (let i = 0; i < 3; i++) expect(await s.runOnce()).toMatchObject({ revocations: 0 });
    expect(s.status().lastError).toBeNull();
    const told = lines.filter((l) => String(l.msg).includes("no pass revocations"));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ level: 40 });
  } finally {
    await c.end();
    await db.drop();
  }
});

it("a bank without a key (a bank role of migration 1) is told it gets no revocations, and sync goes on", async () => {
  const login = await central.addBank();
  const a = bank();
  const lines: Record<string, unknown>[] = [];
  const keyless = new PgCentralLink({ connection: { connectionString: login.url, connectionTimeoutMillis: 5000 } });
  const s = new SyncLoop({ ctx: a.ctx, link: { pushBatch: async () => 0, pullCommands: async () => [], pullPassRevocations: (...args) => keyless.pullPassRevocations(...args), close: () => keyless.close() }, log: testLogger(lines) }, syncSettings(login.bankId));
  closing.push({ close: () => s.stop() });
  expect(await s.runOnce()).toMatchObject({ revocations: 0 });
  expect(lines.some((l) => String(l.msg).includes("no pass revocations") && String((l.err as { message?: string })?.message).includes("sync.keyFile"))).toBe(true);
});

it("a login that may not pull revocations (no grant) is told once, and its sync goes on", async () => {
  const login = await central.addBank();
  await admin.query(`REVOKE EXECUTE ON FUNCTION central.pull_pass_revocations(text, text, bigint, integer) FROM ${login.role}`);
  try {
    const a = bank();
    const lines: Record<string, unknown>[] = [];
    const s = new SyncLoop({ ctx: a.ctx, link: central.link(login), log: testLogger(lines) }, syncSettings(login.bankId));
    closing.push({ close: () => s.stop() });
    expect(await s.runOnce()).toMatchObject({ revocations: 0 });
    expect(s.status().lastError).toBeNull();
    const told = lines.filter((l) => String(l.msg).includes("no pass revocations"));
    expect(told).toHaveLength(1);
    expect(String((told[0]!.err as { message?: string }).message)).toContain("central-create-ingest-role --rotate");
  } finally {
    await admin.query(`GRANT EXECUTE ON FUNCTION central.pull_pass_revocations(text, text, bigint, integer) TO ${login.role}`);
  }
});
