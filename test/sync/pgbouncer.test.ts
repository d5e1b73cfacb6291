/**
 * Through PgBouncer in transaction pooling mode, as an operator with thousands of banks runs it:
 * more banks than server connections, each bank still its own login role (PgBouncer keeps a pool
 * per role), its batch table safe on server sessions it shares with its own other connections,
 * and its statement timeout set per transaction (PgBouncer refuses it as a startup parameter).
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { deliver, deliverAndCollect, expectCentralHoldsLog, expectProjectionsOwn, recordingLink } from "../support/fleet.js";
import { startPgBouncer, type TestBouncer } from "../support/pgbouncer.js";
import { syncSettings, useSyncParts, useTestCentral, } from "../support/sync-parts.js";
import type { RecordedDoorsBank as TestBank } from "../support/bank.js";

const central = useTestCentral();
const { bank, loop: newLoop } = useSyncParts();
let bouncer: TestBouncer;

beforeAll(async () => {
  bouncer = await startPgBouncer(central.db, { poolSize: 1, maxServerConnections: 4 });
});
afterAll(async () => {
  await bouncer?.stop();
});

/** A link as the daemon builds it (statement timeout included), to PgBouncer. */
function bankLink(url: string, statementTimeoutMs = 60_000, beforeCommit?: () => Promise<void>, through = bouncer): PgCentralLink {
  return new PgCentralLink({
    connection: { connectionString: through.via(url), connectionTimeoutMillis: 10_000, statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + 5000 },
    beforeCommit,
  });
}

async function serverBackends(): Promise<{ pid: number; usename: string }[]> {
  const r = await central.db.admin<{ pid: number; usename: string }>(
    `SELECT pid, usename FROM pg_stat_activity WHERE datname = current_database() AND usename LIKE 'lockerd\\_%' AND pid <> pg_backend_pid()`,
  );
  return r.rows;
}

it("sixteen banks through four server connections: each bank's log once and in order, its own rows, nothing surfaced", async () => {
  const fleet: { b: TestBank; bankId: string; url: string; link: ReturnType<typeof recordingLink>; real: PgCentralLink }[] = [];
  for (let i = 0; i < 16; i++) {
    const b = bank();
    b.clock.advance(Date.UTC(2026, 7, 31, 23, 59, 40) - i * 1000 - b.clock.now());
    const { bankId, url } = await central.addBank(`pooled-${String(i).padStart(2, "0")}`);
    for (let c = 0; c < 3; c++) await deliverAndCollect(b, `${bankId}-${c}`, 20_000);
    await deliver(b, `${bankId}-kept`);
    const real = bankLink(url);
    // two banks lose their first commit's answer and re-send
    fleet.push({ b, bankId, url, real, link: recordingLink(real, i % 8 === 7 ? 1 : 0) });
  }
  const loops = fleet.map(({ b, bankId, link }) =>
    newLoop(b.ctx, link, syncSettings(bankId, { batchSize: 6, intervalMs: 500, commandPollMs: 60_000, backoffMinMs: 5, backoffMaxMs: 40 })),
  );
  const seen = new Map<number, string>();
  let most = 0;
  // They come one after another, as thousands of banks' short syncs do: PgBouncer 1.18 gives a
  // server connection to one bank's pool by closing another pool's idle one, and thrashes (closes
  // new ones before they are used) when more pools wait at once than it has connections.
  for (const l of loops) {
    l.start();
    await new Promise((r) => setTimeout(r, 100));
  }
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
  // never more server connections than PgBouncer was given (its auth lookup's one included)
  expect(most).toBeLessThanOrEqual(4);
  // every bank logged in to the server as its own role, through server sessions of its own
  const roles = fleet.map((f) => decodeURIComponent(new URL(f.url).username)).sort();
  const served = new Set([...bouncer.log().matchAll(/\/(lockerd_bank_[0-9a-f]+)@[^ ]+ new connection to server/g)].map((m) => m[1]!));
  expect([...served].sort()).toEqual(roles);
  expect([...seen.values()].filter((u) => u.startsWith("lockerd_bank_")).every((u) => roles.includes(u))).toBe(true);
  for (const { b, bankId } of fleet) {
    await expectCentralHoldsLog(central, b, bankId);
    await expectProjectionsOwn(central, b, bankId);
  }
  for (const f of fleet) await f.real.close();
}, 40_000);

it("a bank is its own login role through PgBouncer: session_user is its role, another bank's id is refused", async () => {
  const a = await central.addBank();
  const b = await central.addBank();
  const c = new pg.Client({ connectionString: bouncer.via(a.url) });
  await c.connect();
  try {
    const who = await c.query<{ s: string; u: string }>(`SELECT session_user AS s, current_user AS u`);
    expect(who.rows[0]).toEqual({ s: a.role, u: a.role });
    await expect(c.query(`SELECT central.ingest_events($1, '[]'::jsonb)`, [b.bankId])).rejects.toMatchObject({ code: "42501" });
    const r = await c.query<{ bank_id: string }>(`SELECT DISTINCT bank_id FROM central.events`);
    expect(r.rows.every((x) => x.bank_id === a.bankId)).toBe(true);
  } finally {
    await c.end();
  }
});

it("two connections of one bank share its one server session: the batch table is emptied between their transactions and one waits for the other", async () => {
  const { bankId, url } = await central.addBank();
  const ev = (seq: number) => ({ seq, at: Date.UTC(2026, 8, 1, 12) + seq, clockSynced: true, type: "test.event", lockerId: null, parcelId: null, data: JSON.stringify({ seq }) });
  let second: Promise<number> | undefined;
  const other = bankLink(url);
  const first = bankLink(url, 60_000, async () => {
    // the first transaction holds the bank's only server session: the second must wait for it
    second = other.pushBatch(bankId, [ev(4), ev(5)]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await central.events(bankId)).length).toBe(0);
  });
  try {
    expect(await first.pushBatch(bankId, [ev(1), ev(2), ev(3)])).toBe(3);
    expect(await second!).toBe(5);
    // the same session again, its table holding nothing of the transactions before
    expect(await other.pushBatch(bankId, [ev(6)])).toBe(6);
    expect((await central.events(bankId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const pids = await central.db.admin<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = (SELECT role_name FROM central.banks WHERE id = $1)`, [bankId]);
    expect(pids.rows[0]!.n).toBe(1);
  } finally {
    await first.close();
    await other.close();
  }
});

it("the statement timeout holds through PgBouncer, set per transaction", async () => {
  const { bankId, url } = await central.addBank();
  const events = Array.from({ length: 20_000 }, (_, i) => ({
    seq: i + 1, at: Date.UTC(2026, 8, 1, 12) + i, clockSynced: true, type: "test.event", lockerId: null, parcelId: null, data: JSON.stringify({ i }),
  }));
  const hasty = bankLink(url, 1);
  try {
    await expect(hasty.pushBatch(bankId, events)).rejects.toMatchObject({ code: "57014" });
  } finally {
    await hasty.close();
  }
  // a PgBouncer told to ignore the parameter drops it without a word: found out all the same
  const ignoring = await startPgBouncer(central.db, { extra: { ignore_startup_parameters: "statement_timeout" } });
  const unaware = bankLink(url, 1, undefined, ignoring);
  try {
    await expect(unaware.pushBatch(bankId, events)).rejects.toMatchObject({ code: "57014" });
  } finally {
    await unaware.close();
    await ignoring.stop();
  }
  const patient = bankLink(url);
  try {
    expect(await patient.pushBatch(bankId, events)).toBe(20_000);
  } finally {
    await patient.close();
  }
});
