/**
 * Through PgBouncer in transaction pooling mode, as an operator with thousands of banks runs it:
 * more banks than server connections, every bank logging in as the one shared ingest role (one
 * pool) and showing its own key, the batch table safe on server sessions banks share, one login
 * per connection (no startup parameter PgBouncer refuses) and every statement still bounded.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { migration1BankRole } from "../support/central.js";
import { deliver, deliverAndCollect, expectCentralHoldsLog, expectProjectionsOwn, recordingLink } from "../support/fleet.js";
import { startPgBouncer, type TestBouncer } from "../support/pgbouncer.js";
import { syncSettings, useSyncParts, useTestCentral, } from "../support/sync-parts.js";
import type { RecordedDoorsBank as TestBank } from "../support/bank.js";

const central = useTestCentral();
const { bank, loop: newLoop } = useSyncParts();
let bouncer: TestBouncer;

beforeAll(async () => {
  bouncer = await startPgBouncer(central.db, { poolSize: 3, maxServerConnections: 4 });
});
afterAll(async () => {
  await bouncer?.stop();
});

/** A link as the daemon builds it (statement timeout included), to PgBouncer. */
function bankLink(bank: { url: string; key: string }, statementTimeoutMs = 60_000, beforeCommit?: () => Promise<void>, through = bouncer): PgCentralLink {
  return new PgCentralLink({
    connection: { connectionString: through.via(bank.url), connectionTimeoutMillis: 10_000, statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + 5000 },
    bankKey: bank.key,
    beforeCommit,
  });
}

async function serverBackends(): Promise<{ pid: number; usename: string }[]> {
  const r = await central.db.admin<{ pid: number; usename: string }>(
    `SELECT pid, usename FROM pg_stat_activity WHERE datname = current_database() AND usename LIKE 'lockerd\\_%' AND pid <> pg_backend_pid()`,
  );
  return r.rows;
}

it("sixteen banks through one pool of three server connections: each bank's log once and in order, its own rows, nothing surfaced", async () => {
  const fleet: { b: TestBank; bankId: string; url: string; link: ReturnType<typeof recordingLink>; real: PgCentralLink }[] = [];
  for (let i = 0; i < 16; i++) {
    const b = bank();
    b.clock.advance(Date.UTC(2026, 7, 31, 23, 59, 40) - i * 1000 - b.clock.now());
    const { bankId, url, key } = await central.addBank(`pooled-${String(i).padStart(2, "0")}`);
    for (let c = 0; c < 3; c++) await deliverAndCollect(b, `${bankId}-${c}`, 20_000);
    await deliver(b, `${bankId}-kept`);
    const real = bankLink({ url, key });
    // two banks lose their first commit's answer and re-send
    fleet.push({ b, bankId, url, real, link: recordingLink(real, i % 8 === 7 ? 1 : 0) });
  }
  const loops = fleet.map(({ b, bankId, link }) =>
    newLoop(b.ctx, link, syncSettings(bankId, { batchSize: 6, intervalMs: 500, commandPollMs: 60_000, backoffMinMs: 5, backoffMaxMs: 40 })),
  );
  const seen = new Map<number, string>();
  let most = 0;
  // all at once: one pool for every bank, so no pool waits on another's idle connection
  for (const l of loops) l.start();
  await vi.waitFor(
    async () => {
      const now = await serverBackends();
      most = Math.max(most, now.length);
      for (const s of now) seen.set(s.pid, s.usename);
      for (const l of loops) expect(l.status()).toMatchObject({ backlog: 0, lastError: null });
    },
    { timeout: 25_000, interval: 20 },
  );
  const surfaced = fleet.flatMap((f) => f.link.errors.map((e) => `${f.bankId}: ${(e as Error).message}`));
  for (const l of loops) await l.stop();
  expect(surfaced).toEqual([]);
  // batches landed while others were projected inline (migration 9): what lockerd-central's projector does
  await central.project();
  // never more server connections than PgBouncer was given (its auth lookup's one included)
  expect(most).toBeLessThanOrEqual(4);
  // every bank reached the server as the one ingest role
  expect(new Set([...seen.values()].filter((u) => u.startsWith("lockerd_ingest")))).toEqual(new Set([decodeURIComponent(new URL(fleet[0]!.url).username)]));
  for (const { b, bankId } of fleet) {
    await expectCentralHoldsLog(central, b, bankId);
    await expectProjectionsOwn(central, b, bankId);
  }
  for (const f of fleet) await f.real.close();
}, 40_000);

it("every bank logs in as the one ingest role through PgBouncer; its key says which bank, another bank's id is refused", async () => {
  const a = await central.addBank();
  const b = await central.addBank();
  const c = new pg.Client({ connectionString: bouncer.via(a.url) });
  await c.connect();
  try {
    const who = await c.query<{ s: string }>(`SELECT session_user AS s`);
    expect(who.rows[0]!.s).toBe(a.role);
    expect(b.role).toBe(a.role);
    await expect(c.query(`SELECT * FROM central.ingest_batch($1, $2, '[]'::jsonb)`, [b.bankId, a.key])).rejects.toMatchObject({ code: "28000" });
    expect((await c.query(`SELECT * FROM central.ingest_batch($1, $2, '[]'::jsonb)`, [b.bankId, b.key])).rows).toEqual([{ ack: "0", conflict: null }]);
  } finally {
    await c.end();
  }
});

it("banks share the pool's server sessions: the batch table is emptied between their transactions and one waits for the other", async () => {
  const one = await startPgBouncer(central.db, { poolSize: 1, maxServerConnections: 2 });
  const a = await central.addBank();
  const b = await central.addBank();
  const ev = (seq: number) => ({ seq, at: Date.now() + seq, clockSynced: true, type: "test.event", lockerId: null, parcelId: null, data: JSON.stringify({ seq }) });
  let second: Promise<number> | undefined;
  const other = bankLink(b, 60_000, undefined, one);
  const first = bankLink(a, 60_000, async () => {
    // the first transaction holds the pool's only server session: the second must wait for it
    second = other.pushBatch(b.bankId, [ev(1), ev(2)]);
    let done = false;
    void second.finally(() => (done = true)).catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
  }, one);
  try {
    expect(await first.pushBatch(a.bankId, [ev(1), ev(2), ev(3)])).toBe(3);
    expect(await second!).toBe(2);
    // the same session again, its table holding nothing of the transactions before
    expect(await other.pushBatch(b.bankId, [ev(3)])).toBe(3);
    expect((await central.events(a.bankId)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await central.events(b.bankId)).map((e) => e.seq)).toEqual([1, 2, 3]);
  } finally {
    await first.close();
    await other.close();
    await one.stop();
  }
});

it("through PgBouncer a batch is one statement, holding no transaction open between round trips, bounded by the ingest role's statement_timeout", async () => {
  const login = await central.addBank();
  const { bankId } = login;
  const events = Array.from({ length: 20_000 }, (_, i) => ({
    seq: i + 1, at: Date.now() - 60_000 + i, clockSynced: true, type: "test.event", lockerId: null, parcelId: null, data: JSON.stringify({ i }),
  }));
  // the server's bound is the ingest role's own (new server sessions take it at login)
  await central.db.admin(`ALTER ROLE ${login.role} SET statement_timeout = 1`);
  const strict = await startPgBouncer(central.db, { poolSize: 1, maxServerConnections: 2 });
  const hasty = bankLink(login, 60_000, undefined, strict);
  try {
    await expect(hasty.pushBatch(bankId, events)).rejects.toMatchObject({ code: "57014", message: expect.stringMatching(/cut the call off at the ingest role.s statement_timeout/) });
  } finally {
    await hasty.close();
    await strict.stop();
    await central.db.admin(`ALTER ROLE ${login.role} SET statement_timeout = '120s'`);
  }
  const patient = bankLink(login);
  let idleInTransaction = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const r = await central.db.admin<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND state LIKE 'idle in transaction%'`, [login.role]);
      idleInTransaction += r.rows[0]!.n;
      await new Promise((res) => setTimeout(res, 5));
    }
  })();
  try {
    expect(await patient.pushBatch(bankId, events)).toBe(20_000);
  } finally {
    sampling = false;
    await sampler;
    await patient.close();
  }
  expect(idleInTransaction).toBe(0);
});

it("with the ingest role's SCRAM secret in its auth_file PgBouncer logs banks in without asking the database (its auth_query here cannot answer)", async () => {
  const a = await central.addBank();
  const secret = await central.db.admin<{ s: string }>(`SELECT rolpassword AS s FROM pg_authid WHERE rolname = $1`, [a.role]);
  expect(secret.rows[0]!.s).toMatch(/^SCRAM-SHA-256\$4096:/);
  const fileOnly = await startPgBouncer(central.db, {
    users: { [a.role]: secret.rows[0]!.s },
    extra: { auth_query: "SELECT usename, passwd FROM pgbouncer.no_such_lookup($1)" },
  });
  try {
    const c = new pg.Client({ connectionString: fileOnly.via(a.url) });
    await c.connect();
    try {
      expect((await c.query(`SELECT * FROM central.ingest_batch($1, $2, '[]'::jsonb)`, [a.bankId, a.key])).rows).toEqual([{ ack: "0", conflict: null }]);
    } finally {
      await c.end();
    }
    // a wrong password is still refused: the secret checks the SCRAM proof, as PostgreSQL would
    const wrong = new URL(fileOnly.via(a.url));
    wrong.password = "not-the-password";
    const w = new pg.Client({ connectionString: wrong.toString() });
    await expect(w.connect()).rejects.toThrow(/authentication failed/);
    // and without the line, the login would have needed the lookup (which fails here)
    const other = await startPgBouncer(central.db, { extra: { auth_query: "SELECT usename, passwd FROM pgbouncer.no_such_lookup($1)" } });
    try {
      const x = new pg.Client({ connectionString: other.via(a.url) });
      await expect(x.connect()).rejects.toThrow();
    } finally {
      await other.stop();
    }
  } finally {
    await fileOnly.stop();
  }
});

/** PgBouncer's client logins as `role`, and the startup parameters it refused (its log; the file and stderr hold the same lines). */
function logins(b: TestBouncer, role: string): { logins: number; refused: string[] } {
  const lines = [...new Set(b.log().split("\n"))];
  return {
    logins: lines.filter((l) => l.includes("login attempt:") && l.includes(`user=${role} `)).length,
    refused: lines.filter((l) => /unsupported startup parameter/i.test(l)),
  };
}

const event = (seq: number) => ({ seq, at: Date.now() + seq, clockSynced: true, type: "test.event", lockerId: null, parcelId: null, data: JSON.stringify({ seq }) });

it("a keyed bank logs in through PgBouncer once per connection: no startup parameter PgBouncer refuses, no second try", async () => {
  const login = await central.addBank();
  const own = await startPgBouncer(central.db, { poolSize: 1, maxServerConnections: 2 });
  const link = bankLink(login, 60_000, undefined, own);
  try {
    expect(await link.pushBatch(login.bankId, [event(1), event(2)])).toBe(2);
    expect(await link.pullCommands(login.bankId, 10)).toEqual([]);
    await link.reportStatus(login.bankId, { softwareVersion: "t", bankTimeMs: Date.now(), clockSynced: true, backlog: 0, oldestUnsentMs: null, lastError: null, sequenceConflict: false });
    expect(logins(own, login.role)).toEqual({ logins: 1, refused: [] });
  } finally {
    await link.close();
    await own.stop();
  }
});

it("a bank role of before migration 5 (no key) logs in once through PgBouncer and its statements are still cut off at its own statement timeout", async () => {
  const admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  const own = await startPgBouncer(central.db, { poolSize: 1, maxServerConnections: 2 });
  const bankId = `OLD-${Date.now()}`;
  const old = await migration1BankRole(admin, central.db, bankId);
  const link = new PgCentralLink({ connection: { connectionString: own.via(old.url), connectionTimeoutMillis: 10_000, statement_timeout: 300, query_timeout: 60_000 } });
  try {
    expect(await link.pullCommands(bankId, 10)).toEqual([]);
    expect(logins(own, old.role)).toEqual({ logins: 1, refused: [] });
    // the operator holds the commands table: the bank's pull waits past its 300 ms and is cut off
    await admin.query("BEGIN");
    await admin.query("LOCK TABLE central.bank_commands IN ACCESS EXCLUSIVE MODE");
    const started = Date.now();
    const cut = await link.pullCommands(bankId, 10).catch((e: unknown) => e);
    await admin.query("ROLLBACK");
    expect(cut).toMatchObject({ code: "57014", message: expect.stringMatching(/cut the call off at this bank.s sync.statementTimeoutMs, 300 ms: canceling statement due to statement timeout/) });
    expect(Date.now() - started).toBeLessThan(10_000);
  } finally {
    await link.close();
    await own.stop();
    await admin.end();
  }
});

it("PgBouncer's query_timeout bounds a statement even after the login lifted the role's statement_timeout with SET", async () => {
  const login = await central.addBank();
  const own = await startPgBouncer(central.db, { poolSize: 1, maxServerConnections: 2, extra: { query_timeout: 1 } });
  const c = new pg.Client({ connectionString: own.via(login.url) });
  c.on("error", () => {});
  await c.connect();
  try {
    await c.query("SET statement_timeout = 0");
    const started = Date.now();
    await expect(c.query("SELECT pg_sleep(5)")).rejects.toThrow(/query timeout/);
    expect(Date.now() - started).toBeLessThan(4000);
  } finally {
    await c.end().catch(() => {});
    await own.stop();
  }
});
