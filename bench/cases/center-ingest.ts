/**
 * The center's aggregate ingest against the bare batched insert of one connection, in one run,
 * without a simulator's banks on the same cores (issue 18's target). Before the clock: N banks
 * created with their keys, and the exact batches the real sync code sends for a busy bank's day
 * (the fleet simulator's backlog and lockers' snapshot, read by the sync loop's own uplink and
 * built by PgCentralLink's batchParams), kept as ready parameters. Timed: C connections straight
 * to PostgreSQL as the shared ingest role (in place of PgBouncer's pool of C server connections)
 * take banks from one queue and send each bank's batches with its key, the same statement
 * PgCentralLink sends; no projector runs. Then C projector loops (central.project_landed, as
 * lockerd-central's projection module calls it) drain what landed, timed. Every bank's events
 * are then checked in central.events (count, distinct seqs, first and last seq). In the same run,
 * the bare batched insert of one connection, as many rows in 500-row batches.
 */
import { availableParallelism, loadavg } from "node:os";
import pg from "pg";
import { createBank } from "../../src/central/banks.js";
import { projectionBacklog, projectOnce } from "../../src/central/projection/project.js";
import { batchParams, INGEST_KEYED_SQL, type CentralLink } from "../../src/sync/central-link.js";
import { recordLockerSnapshot } from "../../src/sync/snapshot.js";
import { LinkUplink } from "../../src/sync/uplink.js";
import { fleetBankContext, templateOutbox } from "../fleet/bank.js";
import { bareInsertRate } from "../support/bare-insert.js";
import { startBenchCentral, type BenchCentral } from "../support/central.js";
import { clusterCpuMs, postmasterPid } from "../support/proc-cpu.js";
import type { Benchmark, BenchResult } from "../support/result.js";
import { nowMs } from "../support/stats.js";
import { round } from "./allocation.js";

/** A bank's batches as its sync loop sends them: batchParams' JSON, with the events' count and last seq of each. */
interface PreparedBatch {
  json: string;
  events: number;
  lastSeq: number;
}

interface Bank {
  id: string;
  key: string;
}

export interface CenterIngestSizes {
  banks: number;
  eventsPerBank: number;
  connections: number;
  /** The sync loop's batchSize (sync.batchSize's default, 20,000, as the fleet simulator: a day's backlog is one batch). */
  batchSize: number;
  /** Batches per project_landed call (the projection module's default). */
  batchesPerCall: number;
  /** Rows of central.projection_inline_slots (absent: as the migration leaves them, 2; 0: every batch lands). */
  inlineSlots?: number;
}

const FULL: CenterIngestSizes = { banks: 4_000, eventsPerBank: 500, connections: 8, batchSize: 20_000, batchesPerCall: 8 };
const QUICK: CenterIngestSizes = { banks: 40, eventsPerBank: 100, connections: 4, batchSize: 20_000, batchesPerCall: 8 };
/** Rows of each bare INSERT (the fleet simulator's: a day's backlog). */
const BARE_BATCH_ROWS = 500;

export const centerIngest: Benchmark = ({ quick, log }) => runCenterIngest(quick ? QUICK : FULL, log);

export async function runCenterIngest(sizes: CenterIngestSizes, log: (line: string) => void): Promise<BenchResult[]> {
  const batches = await preparedBatches(sizes.eventsPerBank, sizes.batchSize);
  const perBank = batches.reduce((n, b) => n + b.events, 0);
  const lastSeq = batches[batches.length - 1]!.lastSeq;
  if (lastSeq !== perBank) throw new Error(`a bank's batches hold ${perBank} events up to seq ${lastSeq}: expected seqs 1..${perBank}`);
  const events = perBank * sizes.banks;
  log(`  ${sizes.banks} banks x ${perBank} events (${batches.length} batch(es) a bank, ${Math.round(batches[0]!.json.length / 1024)} kB the first), ${sizes.connections} connections`);
  const central = await startBenchCentral("ingest-seed");
  try {
    const admin = await central.admin();
    try {
      const banks = await createBanks(admin, sizes.banks);
      if (sizes.inlineSlots !== undefined) {
        await admin.query(`DELETE FROM central.projection_inline_slots`);
        await admin.query(`INSERT INTO central.projection_inline_slots SELECT generate_series(1, $1::int)`, [sizes.inlineSlots]);
      }
      const inlineSlots = (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM central.projection_inline_slots`)).rows[0]!.n;
      const pm = await postmasterPid(admin);
      const loadavgBefore = loadavg();

      const bareCpu0 = clusterCpuMs(pm);
      const bare = await bareInsertRate(admin, BARE_BATCH_ROWS, { totalRows: events });
      const bareUsPerRow = ((clusterCpuMs(pm) - bareCpu0) * 1000) / bare.rows;
      log(`  bare batched INSERT, one connection: ${bare.rows} rows in ${bare.seconds.toFixed(2)} s, ${Math.round(bare.rate)} rows/s, ${bareUsPerRow.toFixed(1)} µs of server CPU a row`);

      const ingest = await timedIngest(central, banks, batches, sizes.connections, pm);
      const landed = await projectionBacklog(admin);
      if (landed.failing > 0) throw new Error(`${landed.failing} landed batches are marked failing before the projector ran`);
      const inline = events - landed.events;
      log(
        `  ingest: ${events} events in ${ingest.seconds.toFixed(2)} s (${Math.round(events / ingest.seconds)} events/s), ${landed.events} landed, ${inline} projected in the banks' calls; ` +
          `server ${us(ingest.serverMs, events)} µs, client ${us(ingest.clientMs, events)} µs of CPU an event`,
      );

      const projection = await timedProjection(central, sizes.connections, sizes.batchesPerCall, pm);
      if (projection.events !== landed.events) throw new Error(`the projector projected ${projection.events} events; ${landed.events} had landed`);
      log(
        `  projection: ${projection.events} events in ${projection.seconds.toFixed(2)} s (${Math.round(projection.events / Math.max(projection.seconds, 1e-9))} events/s), ` +
          `server ${us(projection.serverMs, Math.max(projection.events, 1))} µs of CPU an event; ${projection.emptyCalls} calls projected nothing`,
      );

      const check = await checkEvents(admin, banks, perBank);
      if (check.banksWrong > 0) throw new Error(`events lost or doubled: ${JSON.stringify(check)}`);
      log(`  checked: ${check.events} events of ${check.banksChecked} banks, each held once (count, distinct seqs, seqs 1..${perBank})`);

      const landedRate = events / ingest.seconds;
      const projectedRate = projection.events > 0 ? projection.events / projection.seconds : 0;
      const common = { banks: sizes.banks, eventsPerBank: perBank, connections: sizes.connections, inlineSlots, postgres: "PostgreSQL 15, fsync on, direct (no PgBouncer), same machine", loadavgBefore: loadavgBefore.map((x) => round(x, 2)) };
      return [
        {
          name: "center.ingest.acknowledged_events_per_s",
          value: round(landedRate, 0),
          unit: "events/s",
          ...common,
          events,
          seconds: round(ingest.seconds, 2),
          landedEvents: landed.events,
          projectedInlineEvents: inline,
          serverCpuUsPerEvent: us(ingest.serverMs, events),
          clientCpuUsPerEvent: us(ingest.clientMs, events),
        },
        {
          name: "center.ingest.projected_events_per_s",
          value: round(projectedRate, 0),
          unit: "events/s",
          ...common,
          events: projection.events,
          seconds: round(projection.seconds, 2),
          projectorLoops: sizes.connections,
          emptyCalls: projection.emptyCalls,
          batchesPerCall: sizes.batchesPerCall,
          serverCpuUsPerEvent: us(projection.serverMs, Math.max(projection.events, 1)),
          clientCpuUsPerEvent: us(projection.clientMs, Math.max(projection.events, 1)),
        },
        { name: "center.ingest.bare_insert_rows_per_s", value: round(bare.rate, 0), unit: "rows/s", rows: bare.rows, rowsPerBatch: BARE_BATCH_ROWS, seconds: round(bare.seconds, 2), serverCpuUsPerRow: round(bareUsPerRow, 2), connections: 1 },
        { name: "center.ingest.acknowledged_vs_bare", value: round(landedRate / bare.rate, 2), unit: "x", target: 1, met: landedRate >= bare.rate, cores: availableParallelism() },
        { name: "center.ingest.projected_vs_bare", value: round(projectedRate / bare.rate, 2), unit: "x", note: "after the ingest, with nothing else running" },
        { name: "center.ingest.events_checked", value: check.events, unit: "events", banksChecked: check.banksChecked, banksWrong: check.banksWrong, missing: check.missing, doubled: check.doubled },
      ];
    } finally {
      await admin.end();
    }
  } finally {
    central.stop();
  }
}

const us = (ms: number, n: number) => round((ms * 1000) / n, 2);

/**
 * One bank's batches, built by the sync code a bank runs: the fleet simulator's template outbox
 * (a busy day), the lockers' snapshot SyncLoop.start records, read by the sync loop's LinkUplink
 * in batches of `batchSize` and turned into the ingest call's JSON by batchParams (what
 * PgCentralLink.pushBatch sends). The JSON names no bank: every bank sends the same text.
 */
export async function preparedBatches(eventsPerBank: number, batchSize: number): Promise<PreparedBatch[]> {
  const ctx = fleetBankContext(templateOutbox(eventsPerBank));
  try {
    recordLockerSnapshot(ctx);
    const out: PreparedBatch[] = [];
    const capture: CentralLink = {
      pushBatch: (bankId, events) => {
        out.push({ json: batchParams(bankId, events)[1], events: events.length, lastSeq: events[events.length - 1]!.seq });
        return Promise.resolve(events[events.length - 1]!.seq);
      },
      pullCommands: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
    const pushed = new LinkUplink(capture, ctx.store.outbox).push("template", 0, batchSize, { stopped: () => false, committed: () => {} });
    for await (const b of pushed) if (b.ack !== b.last) throw new Error(`batch ${b.first}..${b.last} not captured whole`);
    if (out.length === 0) throw new Error("the template outbox gave no batch");
    return out;
  } finally {
    ctx.store.close();
  }
}

/** The banks, each created with its own key as central-create-bank does (one transaction, before the clock). */
async function createBanks(admin: pg.Client, n: number): Promise<Bank[]> {
  const banks: Bank[] = [];
  await admin.query("BEGIN");
  try {
    for (let i = 0; i < n; i++) {
      const b = await createBank(admin, { bankId: `R${String(i).padStart(6, "0")}` });
      banks.push({ id: b.bankId, key: b.key });
    }
    await admin.query("COMMIT");
  } catch (e) {
    await admin.query("ROLLBACK").catch(() => {});
    throw e;
  }
  return banks;
}

interface Timed {
  seconds: number;
  serverMs: number;
  clientMs: number;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** `work` on each of `clients` at once, timed, with the cluster's and this process's CPU over the window. */
async function timedOn<T>(clients: pg.Client[], pm: number, work: (c: pg.Client) => Promise<T>): Promise<Timed & { results: T[] }> {
  const server0 = clusterCpuMs(pm);
  const client0 = process.cpuUsage();
  const t0 = nowMs();
  const results = await Promise.all(clients.map(work));
  const seconds = (nowMs() - t0) / 1000;
  return { seconds, clientMs: cpuMs(process.cpuUsage(client0)), serverMs: clusterCpuMs(pm) - server0, results };
}

async function connectAll(n: number, config: pg.ClientConfig): Promise<pg.Client[]> {
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const c = new pg.Client(config);
      clients.push(c);
      await c.connect();
    }
    return clients;
  } catch (e) {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    throw e;
  }
}

/** C connections as the ingest role, each taking the next bank from one queue and sending its batches with its key. */
async function timedIngest(central: BenchCentral, banks: Bank[], batches: PreparedBatch[], connections: number, pm: number): Promise<Timed> {
  const { host, port, database, role, password } = central.bank;
  const clients = await connectAll(connections, { host, port, database, user: role, password, application_name: "lockerd-sync" });
  try {
    let next = 0;
    return await timedOn(clients, pm, async (c) => {
      while (next < banks.length) {
        const bank = banks[next++]!;
        for (const b of batches) {
          const r = await c.query<{ ack: string | null; conflict: string | null }>(INGEST_KEYED_SQL, [bank.id, bank.key, b.json]);
          const row = r.rows[0]!;
          if (row.conflict) throw new Error(`bank ${bank.id}: sequence conflict: ${row.conflict}`);
          if (Number(row.ack) !== b.lastSeq) throw new Error(`bank ${bank.id}: acknowledged seq ${row.ack}, expected ${b.lastSeq}`);
        }
      }
    });
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

/**
 * C projector loops (lockerd-central's call) until nothing waits. A call that comes back empty
 * is not the end: it may have locked a bank whose batches another loop projected just before
 * (the call then names the bank and projects nothing), or found every waiting bank locked by
 * other loops; a loop stops only once nothing waits at all, and fails on a failing batch.
 */
async function timedProjection(central: BenchCentral, loops: number, batchesPerCall: number, pm: number): Promise<Timed & { events: number; emptyCalls: number }> {
  const clients = await connectAll(loops, { connectionString: central.adminUrl, application_name: "lockerd-central" });
  let emptyCalls = 0;
  try {
    const t = await timedOn(clients, pm, async (c) => {
      let events = 0;
      for (let i = 0; i < 10_000_000; i++) {
        const p = await projectOnce(c, batchesPerCall);
        events += p.events;
        if (p.batches > 0) continue;
        emptyCalls++;
        const left = await projectionBacklog(c);
        if (left.failing > 0) throw new Error(`${left.failing} landed batches failed to project`);
        if (left.batches === 0) return events;
        if (p.bankId === null) await new Promise((r) => setTimeout(r, 5)); // the rest is being projected by other loops
      }
      throw new Error("the projector did not run dry");
    });
    return { ...t, events: t.results.reduce((n, e) => n + e, 0), emptyCalls };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

/** Every bank's events in central.events: count, distinct seqs, first and last seq against 1..perBank. */
async function checkEvents(admin: pg.Client, banks: Bank[], perBank: number) {
  const held = await admin.query<{ bank_id: string; n: string; d: string; lo: string; hi: string }>(
    `SELECT bank_id, count(*) AS n, count(DISTINCT seq) AS d, min(seq) AS lo, max(seq) AS hi FROM central.events WHERE bank_id = ANY($1::text[]) GROUP BY bank_id`,
    [banks.map((b) => b.id)],
  );
  const byBank = new Map(held.rows.map((r) => [r.bank_id, r]));
  let banksWrong = 0;
  let missing = 0;
  let doubled = 0;
  let events = 0;
  for (const b of banks) {
    const r = byBank.get(b.id);
    const n = Number(r?.n ?? 0);
    const d = Number(r?.d ?? 0);
    events += n;
    doubled += n - d;
    missing += Math.max(0, perBank - d);
    if (!r || n !== perBank || d !== perBank || Number(r.lo) !== 1 || Number(r.hi) !== perBank) banksWrong++;
  }
  return { banksChecked: banks.length, banksWrong, missing, doubled, events };
}
