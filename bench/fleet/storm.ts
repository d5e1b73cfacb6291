/**
 * The reconnection storm: N banks come back within a window (default a minute), each with a
 * day's backlog, and push it through their real sync loops (the daemon's SyncLoop and
 * PgCentralLink, each with its own outbox and key, all as the one ingest role) through PgBouncer
 * in transaction mode into one central PostgreSQL (fsync on). Measured: time until every event
 * is in, events/s, server connections, each bank's wait for its first batch, failures, and per
 * bank whether anything was lost or doubled; and, in the same run, the bare batched-insert rate
 * of one connection. The banks run in `hosts` child processes (host.ts, banks.ts); this process
 * keeps the center, PgBouncer, the watch on the server's connections and the final check.
 */
import { fork } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Registry } from "prom-client";
import { keyHash, newBankKey } from "../../src/central/banks.js";
import { projectionBacklog } from "../../src/central/projection/project.js";
import { createProjector, type Projector } from "../../src/central/projection/worker.js";
import { createLogger } from "../../src/system/logger.js";
import { startPgBouncer, type TestBouncer } from "../../test/support/pgbouncer.js";
import type { TestDatabase } from "../../test/support/pg.js";
import { bareInsertRate } from "../support/bare-insert.js";
import { startBenchCentral, type BenchCentral } from "../support/central.js";
import { clusterCpuMs, postmasterPid, processCpuMs } from "../support/proc-cpu.js";
import { epochMs, type HostPlan, type HostProgress, type HostResult } from "./banks.js";
import type { HostMessage } from "./host.js";

export interface StormOptions {
  banks: number;
  eventsPerBank: number;
  /** Banks come back at random moments within this many seconds. */
  windowS: number;
  /** PgBouncer's server connections for the ingest role (default_pool_size). */
  pool: number;
  /** Banks connected at once at most, over all hosts (file descriptors, PgBouncer's clients, memory). */
  maxOpen: number;
  /** Simulator processes the banks are spread over (default 2: both cores when the center waits). */
  hosts?: number;
  /** Give up after this long (a bound on the run, not a target). */
  timeoutS: number;
  /** How long to measure the bare batched INSERT (default 5 s). */
  bareSeconds?: number;
  /** PgBouncer's query_wait_timeout, s (default 120; 0: a bank waits in its queue as long as it takes). */
  queueWaitS?: number;
  /**
   * Projector loops (lockerd-central's, here in this process, straight to PostgreSQL; default 2,
   * as lockerd-central's: the second only once banks have stopped landing).
   * 0: none while banks send; one loop starts once every bank's backlog is in.
   */
  projectors?: number;
  /** Rows of central.projection_inline_slots (default: as the migration leaves them, 2). */
  inlineSlots?: number;
  /**
   * How PgBouncer knows the ingest role's SCRAM secret: "file" (its auth_file, default: no
   * lookup per login) or "query" (auth_query, a lookup in PostgreSQL at every login).
   */
  auth?: "file" | "query";
  log: (line: string) => void;
}

export interface StormReport {
  banks: number;
  eventsPerBank: number;
  windowS: number;
  pool: number;
  /** Until every bank's last batch was acknowledged (landed or projected: durable at the center). */
  allInS: number;
  /** Until every event was projected too (the fleet API, the notifier and alarms see it). */
  allProjectedS: number;
  events: number;
  /** events / allInS */
  eventsPerS: number;
  /** events / allProjectedS */
  projectedPerS: number;
  /** Events the banks' calls landed for the projector (the rest were projected in the call). */
  eventsLanded: number;
  bareInsertRowsPerS: number;
  vsBare: number;
  /**
   * The center's CPU (PostgreSQL's processes and PgBouncer's, from /proc), apart from the
   * simulator's: per row of the bare INSERT, and per event of the storm until all was in and
   * until all was projected. bareRateVsCenterCpu: how many times the bare rate of one connection
   * the center's cores would take at that cost with nothing else on the machine.
   */
  serverCpu: {
    bareUsPerRow: number;
    inUsPerEvent: number;
    projectedUsPerEvent: number;
    pgbouncerUsPerEvent: number;
    cores: number;
    capacityInVsBare: number;
    capacityProjectedVsBare: number;
  };
  serverConnectionsMax: number;
  settings: { maxOpen: number; auth: "file" | "query"; projectors: number; inlineSlots: number };
  firstBatchWaitMs: { p50: number; p99: number; max: number };
  banksThatRetried: number;
  failedConnections: number;
  otherErrors: number;
  firstErrors: string[];
  lostOrDoubled: { banksChecked: number; banksWrong: number; missing: number; doubled: number };
  /** What the simulator itself cost: its hosts' CPU from first bank to last, and their memory. */
  simulator: {
    hosts: number;
    cpuS: number;
    cpuMsPerBank: number;
    /** The hosts' peak RSS, added up (each host's own peak). */
    peakRssMB: number;
    heapAtPeakMB: number;
    baseRssMB: number;
    banksOpenMax: number;
    /** null: fewer than 100 banks were connected at once, too few to tell. */
    rssPerOpenBankKB: number | null;
    banksClosed: number;
  };
  loadavgBefore: number[];
  loadavgAfter: number[];
}

export async function runStorm(opts: StormOptions): Promise<StormReport> {
  // The banks' SCRAM (PBKDF2 on the client) is each real bank's own CPU's work: cut short here,
  // where one process plays every bank. The server side of SCRAM is the same either way.
  const central = await startBenchCentral("fleet-seed", 16);
  let bouncer: TestBouncer | undefined;
  try {
    const admin = await central.admin();
    try {
      const secret = await admin.query<{ s: string }>(`SELECT rolpassword AS s FROM pg_authid WHERE rolname = $1`, [central.bank.role]);
      bouncer = await startPgBouncer(asTestDatabase(central, admin), {
        ...((opts.auth ?? "file") === "file" ? { users: { [central.bank.role]: secret.rows[0]!.s } } : {}),
        poolSize: opts.pool,
        maxServerConnections: opts.pool + 2,
        extra: { max_client_conn: opts.maxOpen + 100, listen_backlog: 4096, query_wait_timeout: opts.queueWaitS ?? 120 },
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
      const pm = await postmasterPid(admin);
      const cpuBare0 = clusterCpuMs(pm);
      const bare = await bareInsertRate(admin, opts.eventsPerBank, { ms: (opts.bareSeconds ?? 5) * 1000 });
      const bareUsPerRow = ((clusterCpuMs(pm) - cpuBare0) * 1000) / bare.rows;
      const bareInsertRowsPerS = bare.rate;
      opts.log(`  bare batched INSERT on one connection: ${bareInsertRowsPerS.toFixed(0)} rows/s, ${bareUsPerRow.toFixed(1)} µs of server CPU a row`);
      const cpu = { pm, bouncer: bouncer.pid, bareUsPerRow };
      const report = await storm(central, bouncer, admin, keys, opts, cpu);
      const settings = { maxOpen: opts.maxOpen, auth: opts.auth ?? "file", projectors: opts.projectors ?? 2, inlineSlots: opts.inlineSlots ?? 2 };
      return { ...report, settings, bareInsertRowsPerS: Math.round(bareInsertRowsPerS), vsBare: round2(report.eventsPerS / bareInsertRowsPerS) };
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

interface CpuWatch {
  pm: number;
  bouncer: number;
  bareUsPerRow: number;
}

async function storm(central: BenchCentral, bouncer: TestBouncer, admin: pg.Client, keys: string[], opts: StormOptions, cpu: CpuWatch) {
  const { role, password, database } = central.bank;
  const connection = { host: "127.0.0.1", port: bouncer.port, user: role, password, database, connectionTimeoutMillis: 10_000, statement_timeout: 120_000, query_timeout: 125_000 };
  const hostCount = Math.max(1, Math.min(opts.hosts ?? 2, keys.length));
  const arrivals = keys.map((key, i) => ({ id: bankId(i), key, atMs: Math.random() * opts.windowS * 1000 })).sort((a, b) => a.atMs - b.atMs);
  // dealt round robin in order of arrival: every host sees the whole window
  const shares = Array.from({ length: hostCount }, (_, h) => arrivals.filter((_, i) => i % hostCount === h));
  const hosts: Host[] = [];
  let serverMax = 0;
  let serverNow = 0;
  let backlogNow = 0;
  const loadavgBefore = loadavg();
  // lockerd-central's projector, as an instance of it would run beside the banks
  const projectorMetrics = new Registry();
  const projectorPool = new pg.Pool({ connectionString: central.adminUrl, max: Math.max(1, opts.projectors ?? 2) + 1 });
  const projector: Projector = createProjector({
    pool: projectorPool,
    listenConfig: { connectionString: central.adminUrl },
    log: createLogger({ level: "warn", pretty: false }),
    metrics: projectorMetrics,
    settings: { enabled: true, workers: Math.max(1, opts.projectors ?? 2), batchesPerCall: 8, pollMs: 200, quietAfterMs: 1000 },
  });
  if (opts.inlineSlots !== undefined) {
    await admin.query(`DELETE FROM central.projection_inline_slots`);
    await admin.query(`INSERT INTO central.projection_inline_slots SELECT generate_series(1, $1::int)`, [opts.inlineSlots]);
  }
  if (opts.projectors !== 0) await projector.start();
  try {
    // a host that fails to start leaves the others to the finally below
    const started = await Promise.allSettled(shares.map((_, h) => startHost(h)));
    for (const h of started) if (h.status === "fulfilled") hosts.push(h.value);
    const lost = started.find((h) => h.status === "rejected");
    if (lost) throw lost.reason;
    const startEpochMs = epochMs() + 200;
    const cpu0 = { pg: clusterCpuMs(cpu.pm), bouncer: processCpuMs(cpu.bouncer) };
    const maxOpen = Math.max(1, Math.floor(opts.maxOpen / hostCount));
    const results = hosts.map((h, i) => h.run({ host: i, banks: shares[i]!, startEpochMs, eventsPerBank: opts.eventsPerBank, maxOpen, timeoutS: opts.timeoutS, connection }));
    const watch = setInterval(() => {
      void admin
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1`, [role])
        .then((r) => (serverMax = Math.max(serverMax, (serverNow = r.rows[0]!.n))), () => {});
      void projectionBacklog(admin).then((b) => (backlogNow = b.events), () => {});
    }, 250);
    const progress = setInterval(() => {
      const sum = (k: keyof HostProgress) => hosts.reduce((n, h) => n + h.progress[k], 0);
      opts.log(
        `  ${((epochMs() - startEpochMs) / 1000).toFixed(0)} s: ${sum("back")}/${keys.length} banks back, ${sum("done")} caught up, ` +
          `${sum("eventsIn")} events in, ${backlogNow} waiting for the projector, ${sum("open")} banks connected, ${serverNow} server connections, simulator ${sum("rssMB")} MB (heap ${sum("heapMB")})`,
      );
    }, 10_000);
    let done: HostResult[];
    let cpuIn: { pg: number; bouncer: number };
    let projectedEpochMs: number;
    try {
      done = await Promise.all(results);
      cpuIn = { pg: clusterCpuMs(cpu.pm), bouncer: processCpuMs(cpu.bouncer) };
      if (opts.projectors === 0) await projector.start();
      // every acknowledged batch, projected: as long as the projector takes (bounded by the run's timeout)
      const deadline = startEpochMs + opts.timeoutS * 1000;
      for (;;) {
        const b = await projectionBacklog(admin);
        backlogNow = b.events;
        if (b.batches === 0) break;
        if (epochMs() > deadline) throw new Error(`the projector left ${b.batches} batches (${b.events} events) after ${opts.timeoutS} s`);
        await new Promise((r) => setTimeout(r, 100));
      }
      projectedEpochMs = epochMs();
    } finally {
      clearInterval(watch);
      clearInterval(progress);
    }
    const cpuOut = { pg: clusterCpuMs(cpu.pm), bouncer: processCpuMs(cpu.bouncer) };
    const checked = await check(admin, keys.length, done, startEpochMs, opts);
    const allProjectedS = round2(Math.max(checked.allInS, (projectedEpochMs - startEpochMs) / 1000));
    const per = (ms: number) => round2((ms * 1000) / Math.max(1, checked.events));
    const cores = availableParallelism();
    const inUs = per(cpuIn.pg - cpu0.pg + cpuIn.bouncer - cpu0.bouncer);
    const projectedUs = per(cpuOut.pg - cpu0.pg + cpuOut.bouncer - cpu0.bouncer);
    // what `cores` would take at that cost, against what one connection's bare INSERT took
    const bareRate = 1e6 / cpu.bareUsPerRow;
    return {
      ...checked,
      allProjectedS,
      projectedPerS: Math.round(checked.events / allProjectedS),
      eventsLanded: await projectedByProjector(projectorMetrics),
      serverCpu: {
        bareUsPerRow: round2(cpu.bareUsPerRow),
        inUsPerEvent: inUs,
        projectedUsPerEvent: projectedUs,
        pgbouncerUsPerEvent: per(cpuOut.bouncer - cpu0.bouncer),
        cores,
        capacityInVsBare: round2((cores * 1e6) / inUs / bareRate),
        capacityProjectedVsBare: round2((cores * 1e6) / projectedUs / bareRate),
      },
      serverConnectionsMax: serverMax,
      loadavgBefore: loadavgBefore.map(round2),
      loadavgAfter: loadavg().map(round2),
    };
  } finally {
    for (const h of hosts) h.kill();
    await projector.stop();
    await projectorPool.end();
  }
}

/** Events the projector projected (its counter): every event landed rather than projected in the bank's call. */
async function projectedByProjector(metrics: Registry): Promise<number> {
  const m = await metrics.getSingleMetric("lockerd_central_projected_events_total")?.get();
  return m?.values[0]?.value ?? 0;
}

/** Per bank against the center: every event of its log held once (count, distinct seqs, first and last seq). */
async function check(admin: pg.Client, banks: number, hosts: HostResult[], startEpochMs: number, opts: StormOptions) {
  const stopped = hosts.filter((h) => h.timedOut).length;
  const all = <T>(f: (h: HostResult) => T[]): T[] => hosts.flatMap(f);
  const total = (f: (h: HostResult) => number) => hosts.reduce((n, h) => n + f(h), 0);
  const expected = new Map(all((h) => h.expected));
  const allInS = (Math.max(...hosts.map((h) => h.lastInEpochMs)) - startEpochMs) / 1000;
  const held = await admin.query<{ bank_id: string; n: string; d: string; lo: string; hi: string }>(
    `SELECT bank_id, count(*) AS n, count(DISTINCT seq) AS d, min(seq) AS lo, max(seq) AS hi FROM central.events WHERE bank_id LIKE 'F%' GROUP BY bank_id`,
  );
  let banksWrong = 0;
  let missing = 0;
  let doubled = 0;
  let events = 0;
  const byBank = new Map(held.rows.map((r) => [r.bank_id, r]));
  for (const [id, want] of expected) {
    const r = byBank.get(id);
    const n = Number(r?.n ?? 0);
    const d = Number(r?.d ?? 0);
    events += n;
    doubled += n - d;
    missing += Math.max(0, want - d);
    if (!r || n !== want || d !== want || Number(r.lo) !== 1 || Number(r.hi) !== want) banksWrong++;
  }
  missing += (banks - expected.size) * (opts.eventsPerBank + 1);
  if (stopped > 0) opts.log(`  stopped after ${opts.timeoutS} s with ${expected.size - banksWrong} of ${banks} banks' events all in`);
  const sorted = all((h) => h.firstWait).sort((a, b) => a - b);
  const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN);
  const cpuMs = total((h) => h.cpuMs);
  const peakRssMB = total((h) => h.peakRssMB);
  const baseRssMB = total((h) => h.baseRssMB);
  const openMax = total((h) => h.openMax);
  return {
    banks,
    eventsPerBank: opts.eventsPerBank,
    windowS: opts.windowS,
    pool: opts.pool,
    allInS: round2(allInS),
    events,
    eventsPerS: Math.round(events / allInS),
    firstBatchWaitMs: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
    banksThatRetried: total((h) => h.retried),
    failedConnections: total((h) => h.failedConnections),
    otherErrors: total((h) => h.otherErrors),
    firstErrors: all((h) => h.errors).slice(0, 5),
    lostOrDoubled: { banksChecked: expected.size, banksWrong: banksWrong + (banks - expected.size), missing, doubled },
    simulator: {
      hosts: hosts.length,
      cpuS: round2(cpuMs / 1000),
      cpuMsPerBank: round2(cpuMs / banks),
      peakRssMB,
      heapAtPeakMB: total((h) => h.heapAtPeakMB),
      baseRssMB,
      banksOpenMax: openMax,
      // what a bank costs while it is in flight (its outbox, statements, batch, connection);
      // with few connected at once the heap's own growth would be all there is to see
      rssPerOpenBankKB: openMax >= 100 ? Math.round(((peakRssMB - baseRssMB) * 1024) / openMax) : null,
      banksClosed: total((h) => h.closed),
    },
  };
}

interface Host {
  progress: HostProgress;
  run(plan: HostPlan): Promise<HostResult>;
  kill(): void;
}

/** A child process for a share of the banks (host.ts), loaded and waiting for its plan. */
async function startHost(index: number): Promise<Host> {
  const child = fork(fileURLToPath(new URL("./host.ts", import.meta.url)), [], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    // FLEET_HOST_NODE_ARGS: more node flags for the hosts, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
    execArgv: ["--import", "tsx", "--max-old-space-size=6144", ...(process.env.FLEET_HOST_NODE_ARGS ?? "").split(" ").filter(Boolean)],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const progress: HostProgress = { back: 0, done: 0, open: 0, eventsIn: 0, rssMB: 0, heapMB: 0 };
  let result: HostResult | undefined;
  let ready!: () => void;
  let finished!: (r: HostResult) => void;
  let failed!: (e: Error) => void;
  const loaded = new Promise<void>((go) => (ready = go));
  const ended = new Promise<HostResult>((ok, no) => {
    finished = ok;
    failed = no;
  });
  child.on("message", (m: HostMessage) => {
    if (m.type === "ready") ready();
    else if (m.type === "progress") Object.assign(progress, m.progress);
    else result = m.result;
  });
  child.on("exit", (code, signal) => {
    if (result) finished(result);
    else failed(new Error(`fleet host ${index} ended (${signal ?? code}) without its result`));
  });
  ended.catch(() => {}); // (reported through run(); a host lost before it is given its plan is not unhandled)
  await Promise.race([loaded, ended]);
  return {
    progress,
    run: (plan) => (child.send(plan), ended),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

export function asTestDatabase(central: BenchCentral, admin: pg.Client): TestDatabase {
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
