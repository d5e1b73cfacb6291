/**
 * The reconnection storm: N banks come back within a window (default a minute), each with a
 * day's backlog, and push it through their real sync loops (the daemon's SyncLoop and
 * PgCentralLink, each with its own outbox and key, all as the one ingest role) through PgBouncer
 * in transaction mode into one central PostgreSQL (fsync on). Measured: time until every event
 * is in, events/s, server connections, each bank's wait for its first batch, failures, and per
 * bank whether anything was lost or doubled; and, in the same run, the bare batched-insert rate
 * of one connection.
 */
import { loadavg } from "node:os";
import type pg from "pg";
import { keyHash, newBankKey } from "../../src/central/banks.js";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { createLogger } from "../../src/system/logger.js";
import { startPgBouncer, type TestBouncer } from "../../test/support/pgbouncer.js";
import type { TestDatabase } from "../../test/support/pg.js";
import { startBenchCentral, type BenchCentral } from "../support/central.js";
import { fleetBankContext, templateOutbox } from "./bank.js";

export interface StormOptions {
  banks: number;
  eventsPerBank: number;
  /** Banks come back at random moments within this many seconds. */
  windowS: number;
  /** PgBouncer's server connections for the ingest role (default_pool_size). */
  pool: number;
  /** Client connections this one process keeps open at most (its file descriptors). */
  maxOpen: number;
  /** Give up after this long (a bound on the run, not a target). */
  timeoutS: number;
  /** How long to measure the bare batched INSERT (default 5 s). */
  bareSeconds?: number;
  log: (line: string) => void;
}

export interface StormReport {
  banks: number;
  eventsPerBank: number;
  windowS: number;
  pool: number;
  allInS: number;
  events: number;
  eventsPerS: number;
  bareInsertRowsPerS: number;
  vsBare: number;
  serverConnectionsMax: number;
  firstBatchWaitMs: { p50: number; p99: number; max: number };
  banksThatRetried: number;
  failedConnections: number;
  otherErrors: number;
  firstErrors: string[];
  lostOrDoubled: { banksChecked: number; banksWrong: number; missing: number; doubled: number };
  loadavgBefore: number[];
  loadavgAfter: number[];
}

const silent = createLogger({ level: "silent", pretty: false });

export async function runStorm(opts: StormOptions): Promise<StormReport> {
  // The banks' SCRAM (PBKDF2 on the client) is each real bank's own CPU's work: cut short here,
  // where one process plays every bank. The server side of SCRAM is the same either way.
  const central = await startBenchCentral("fleet-seed", 16);
  let bouncer: TestBouncer | undefined;
  try {
    const admin = await central.admin();
    try {
      bouncer = await startPgBouncer(asTestDatabase(central, admin), {
        poolSize: opts.pool,
        maxServerConnections: opts.pool + 2,
        extra: { max_client_conn: opts.maxOpen + 100, listen_backlog: 4096, query_wait_timeout: 120 },
      });
      opts.log(`  registering ${opts.banks} banks…`);
      // as central-create-bank does for each (banks.ts), in one statement per 5,000
      const keys = Array.from({ length: opts.banks }, () => newBankKey());
      for (let i = 0; i < keys.length; i += 5000) {
        const slice = keys.slice(i, i + 5000);
        await admin.query(`INSERT INTO central.banks (id, key_sha256, key_set_at) SELECT unnest($1::text[]), unnest($2::bytea[]), now()`, [
          slice.map((_, j) => bankId(i + j)),
          slice.map((k) => keyHash(k)),
        ]);
      }
      const bareInsertRowsPerS = await bareInsertRate(admin, opts.eventsPerBank, (opts.bareSeconds ?? 5) * 1000);
      opts.log(`  bare batched INSERT on one connection: ${bareInsertRowsPerS.toFixed(0)} rows/s`);
      const report = await storm(central, bouncer, admin, keys, opts);
      return { ...report, bareInsertRowsPerS: Math.round(bareInsertRowsPerS), vsBare: round2(report.eventsPerS / bareInsertRowsPerS) };
    } finally {
      await admin.end();
    }
  } finally {
    await bouncer?.stop();
    central.stop();
  }
}

const bankId = (i: number) => `F${String(i).padStart(6, "0")}`;
const round2 = (x: number) => Math.round(x * 100) / 100;

async function storm(central: BenchCentral, bouncer: TestBouncer, admin: pg.Client, keys: string[], opts: StormOptions) {
  const template = templateOutbox(opts.eventsPerBank);
  const { role, password, database } = central.bank;
  const connection = { host: "127.0.0.1", port: bouncer.port, user: role, password, database, connectionTimeoutMillis: 10_000, statement_timeout: 120_000, query_timeout: 125_000 };
  const arrivals = keys.map(() => Math.random() * opts.windowS * 1000).sort((a, b) => a - b);
  const firstWait: number[] = [];
  const expected = new Map<string, number>();
  const errors: string[] = [];
  let failedConnections = 0;
  let otherErrors = 0;
  let retried = 0;
  let open = 0;
  let done = 0;
  let lastIn = 0;
  let serverMax = 0;
  const waiting: (() => void)[] = [];
  const loadavgBefore = loadavg();
  const t0 = performance.now();

  const watch = setInterval(() => {
    void admin
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1`, [role])
      .then((r) => (serverMax = Math.max(serverMax, r.rows[0]!.n)), () => {});
  }, 250);
  const progress = setInterval(() => opts.log(`  ${((performance.now() - t0) / 1000).toFixed(0)} s: ${done}/${keys.length} banks in, ${open} connected`), 10_000);

  const oneBank = async (i: number): Promise<void> => {
    const id = bankId(i);
    await sleep(arrivals[i]! - (performance.now() - t0));
    const arrived = performance.now();
    while (open >= opts.maxOpen) await new Promise<void>((r) => waiting.push(r));
    open++;
    const ctx = fleetBankContext(template);
    const link = new PgCentralLink({ connection, bankKey: keys[i]! });
    let firstDone = false;
    let failedBefore = false;
    let last = Infinity;
    let finished!: () => void;
    const allIn = new Promise<void>((r) => (finished = r));
    const counting = {
      pushBatch: (b: string, events: Parameters<PgCentralLink["pushBatch"]>[1]) => link.pushBatch(b, events).catch((e: unknown) => fail(e)),
      pullCommands: async (b: string, limit: number) => {
        const r = await link.pullCommands(b, limit).catch((e: unknown) => fail(e));
        if (firstDone && lastCommitted >= last) finished();
        return r;
      },
      close: () => link.close(),
    };
    let lastCommitted = 0;
    const fail = (e: unknown): never => {
      const msg = (e as Error).message ?? String(e);
      if (/connect|ECONN|timeout expired|terminated|no more connections|query_wait_timeout|server login|pooler/i.test(msg)) failedConnections++;
      else otherErrors++;
      if (errors.length < 5) errors.push(`${id}: ${msg}`);
      if (!failedBefore) retried++;
      failedBefore = true;
      throw e;
    };
    const loop = new SyncLoop(
      {
        ctx,
        link: counting,
        log: silent,
        hooks: {
          afterCommit: (seq) => {
            lastCommitted = seq;
            if (!firstDone) firstWait.push(performance.now() - arrived);
            firstDone = true;
            if (seq >= last) lastIn = performance.now();
          },
        },
      },
      { bankId: id, batchSize: 20_000, intervalMs: 5000, backoffMinMs: 1000, backoffMaxMs: 300_000, retentionMs: 30 * 86_400_000, commandPollMs: 15_000 },
    );
    loop.start(); // records the lockers' snapshot, then cycles as the daemon's loop does
    last = ctx.store.events.lastSeq();
    expected.set(id, last);
    await allIn;
    await loop.stop();
    ctx.store.close();
    open--;
    done++;
    waiting.shift()?.();
  };

  const deadline = sleep(opts.timeoutS * 1000).then(() => "timeout" as const);
  const outcome = await Promise.race([Promise.all(keys.map((_, i) => oneBank(i))).then(() => "done" as const), deadline]);
  clearInterval(watch);
  clearInterval(progress);
  if (outcome === "timeout") opts.log(`  stopped after ${opts.timeoutS} s with ${done} of ${keys.length} banks in`);
  const allInS = (lastIn - t0) / 1000;
  const check = await admin.query<{ bank_id: string; n: string; d: string; lo: string; hi: string }>(
    `SELECT bank_id, count(*) AS n, count(DISTINCT seq) AS d, min(seq) AS lo, max(seq) AS hi FROM central.events WHERE bank_id LIKE 'F%' GROUP BY bank_id`,
  );
  let banksWrong = 0;
  let missing = 0;
  let doubled = 0;
  let events = 0;
  const held = new Map(check.rows.map((r) => [r.bank_id, r]));
  for (const [id, want] of expected) {
    const r = held.get(id);
    const n = Number(r?.n ?? 0);
    events += n;
    const d = Number(r?.d ?? 0);
    doubled += n - d;
    missing += Math.max(0, want - d);
    if (!r || n !== want || d !== want || Number(r.lo) !== 1 || Number(r.hi) !== want) banksWrong++;
  }
  missing += (keys.length - expected.size) * (opts.eventsPerBank + 1);
  const sorted = [...firstWait].sort((a, b) => a - b);
  const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN);
  return {
    banks: keys.length,
    eventsPerBank: opts.eventsPerBank,
    windowS: opts.windowS,
    pool: opts.pool,
    allInS: round2(allInS),
    events,
    eventsPerS: Math.round(events / allInS),
    serverConnectionsMax: serverMax,
    firstBatchWaitMs: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
    banksThatRetried: retried,
    failedConnections,
    otherErrors,
    firstErrors: errors,
    lostOrDoubled: { banksChecked: expected.size, banksWrong: banksWrong + (keys.length - expected.size), missing, doubled },
    loadavgBefore: loadavgBefore.map(round2),
    loadavgAfter: loadavg().map(round2),
  };
}

/** One connection, straight to PostgreSQL: batches of `rows` rows into a bare table with a primary key. */
async function bareInsertRate(admin: pg.Client, rows: number, forMs: number): Promise<number> {
  await admin.query(`CREATE TABLE public.bare_insert (bank_id text COLLATE "C", seq bigint, at timestamptz, type text, data jsonb, PRIMARY KEY (bank_id, seq))`);
  const batch = JSON.stringify(Array.from({ length: rows }, (_, i) => ({ seq: i + 1, type: "door.opened", data: { purpose: "deposit" } })));
  const t0 = performance.now();
  let n = 0;
  for (let b = 0; performance.now() - t0 < forMs; b++) {
    await admin.query(
      `INSERT INTO public.bare_insert SELECT $1, (e ->> 'seq')::bigint, now(), e ->> 'type', e -> 'data' FROM jsonb_array_elements($2::jsonb) e`,
      [`bare-${b}`, batch],
    );
    n += rows;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  await admin.query(`DROP TABLE public.bare_insert`);
  return rate;
}

function asTestDatabase(central: BenchCentral, admin: pg.Client): TestDatabase {
  const url = new URL(central.adminUrl);
  return {
    name: url.pathname.slice(1),
    url: central.adminUrl,
    urlAs: () => central.adminUrl,
    admin: (sql, params) => admin.query(sql, params),
    trackRole: () => {},
    drop: async () => {},
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
