/**
 * One simulator host's share of the storm: its banks come back at their moments, each builds its
 * outbox then (a copy of the template), runs the daemon's real SyncLoop and PgCentralLink until
 * its whole backlog is committed, and is closed and dropped at once. Memory follows the banks
 * in flight (at most `maxOpen` at a time), not the fleet.
 */
import type pg from "pg";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { createLogger } from "../../src/system/logger.js";
import { fleetBankContext, templateOutbox } from "./bank.js";

export interface HostPlan {
  host: number;
  /** This host's banks; `atMs`: when the bank comes back, after `startEpochMs`. */
  banks: { id: string; key: string; atMs: number }[];
  /** The window's start on the shared clock (`epochMs()`), the same for every host. */
  startEpochMs: number;
  eventsPerBank: number;
  /** Banks of this host connected at once at most (its file descriptors, its memory). */
  maxOpen: number;
  timeoutS: number;
  connection: pg.ClientConfig;
}

export interface HostProgress {
  back: number;
  done: number;
  open: number;
  eventsIn: number;
  rssMB: number;
  /** Of it, V8's heap (the rest: SQLite, buffers, the process). */
  heapMB: number;
}

export interface HostResult {
  /** Each bank's wait from coming back to its first committed batch, ms. */
  firstWait: number[];
  /** Each bank's last seq (its whole log), to check against the center. */
  expected: [string, number][];
  lastInEpochMs: number;
  failedConnections: number;
  otherErrors: number;
  retried: number;
  errors: string[];
  timedOut: boolean;
  /** CPU of this process from its first bank to its last (banks' sync, SQLite, pg client). */
  cpuMs: number;
  peakRssMB: number;
  /** V8's heap when RSS was highest (sampled every second). */
  heapAtPeakMB: number;
  /** RSS before the first bank: the process itself, its modules and the template. */
  baseRssMB: number;
  openMax: number;
  /** Banks whose outbox was closed once caught up. */
  closed: number;
}

/** Milliseconds on a clock every process of the run shares. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

const silent = createLogger({ level: "silent", pretty: false });
const CONNECT = /connect|ECONN|timeout expired|terminated|no more connections|query_wait_timeout|server login|pooler/i;
const MB = 1024 * 1024;

export async function runBanks(plan: HostPlan, progress: (p: HostProgress) => void): Promise<HostResult> {
  const template = templateOutbox(plan.eventsPerBank);
  const baseRssMB = process.memoryUsage().rss / MB;
  const r: HostResult = {
    firstWait: [],
    expected: [],
    lastInEpochMs: 0,
    failedConnections: 0,
    otherErrors: 0,
    retried: 0,
    errors: [],
    timedOut: false,
    cpuMs: 0,
    peakRssMB: 0,
    heapAtPeakMB: 0,
    baseRssMB: Math.round(baseRssMB),
    openMax: 0,
    closed: 0,
  };
  const p: HostProgress = { back: 0, done: 0, open: 0, eventsIn: 0, rssMB: 0, heapMB: 0 };
  // a queue with a moving head: shift() on tens of thousands of waiters is quadratic
  const waiting: (() => void)[] = [];
  let head = 0;
  const cpu0 = process.cpuUsage();
  const sample = () => {
    const m = process.memoryUsage();
    p.rssMB = Math.round(m.rss / MB);
    p.heapMB = Math.round(m.heapUsed / MB);
    if (p.rssMB > r.peakRssMB) {
      r.peakRssMB = p.rssMB;
      r.heapAtPeakMB = p.heapMB;
    }
    progress(p);
  };
  const ticker = setInterval(sample, 1000);

  const oneBank = async (b: HostPlan["banks"][number]): Promise<void> => {
    // the moment it was due back: a simulator running late makes the bank's wait longer, not shorter
    const arrived = plan.startEpochMs + b.atMs;
    await sleep(arrived - epochMs());
    p.back++;
    // a bank that finishes hands its slot straight to the first waiting (p.open stays counted)
    if (p.open >= plan.maxOpen) await new Promise<void>((go) => waiting.push(go));
    else p.open++;
    r.openMax = Math.max(r.openMax, p.open);
    const ctx = fleetBankContext(template);
    const link = new PgCentralLink({ connection: plan.connection, bankKey: b.key });
    let failedBefore = false;
    let last = Infinity;
    let lastCommitted = 0;
    let finished!: () => void;
    const allIn = new Promise<void>((go) => (finished = go));
    const fail = (e: unknown): never => {
      const msg = (e as Error).message ?? String(e);
      if (CONNECT.test(msg)) r.failedConnections++;
      else r.otherErrors++;
      if (r.errors.length < 5) r.errors.push(`${b.id}: ${msg}`);
      if (!failedBefore) r.retried++;
      failedBefore = true;
      throw e;
    };
    const counting = {
      pushBatch: (bank: string, events: Parameters<PgCentralLink["pushBatch"]>[1]) => link.pushBatch(bank, events).catch((e: unknown) => fail(e)),
      pullCommands: async (bank: string, limit: number) => {
        const cmds = await link.pullCommands(bank, limit).catch((e: unknown) => fail(e));
        if (lastCommitted > 0 && lastCommitted >= last) finished();
        return cmds;
      },
      close: () => link.close(),
    };
    const loop = new SyncLoop(
      {
        ctx,
        link: counting,
        log: silent,
        hooks: {
          afterCommit: (seq) => {
            if (lastCommitted === 0) r.firstWait.push(epochMs() - arrived);
            p.eventsIn += seq - lastCommitted;
            lastCommitted = seq;
            if (seq >= last) r.lastInEpochMs = Math.max(r.lastInEpochMs, epochMs());
          },
        },
      },
      { bankId: b.id, batchSize: 20_000, intervalMs: 5000, backoffMinMs: 1000, backoffMaxMs: 300_000, retentionMs: 30 * 86_400_000, commandPollMs: 15_000 },
    );
    loop.start(); // records the lockers' snapshot, then cycles as the daemon's loop does
    last = ctx.store.events.lastSeq();
    r.expected.push([b.id, last]);
    await allIn;
    await loop.stop();
    ctx.store.close();
    r.closed++;
    p.done++;
    if (head < waiting.length) {
      waiting[head++]!();
      if (head > 1024 && head * 2 > waiting.length) {
        waiting.splice(0, head);
        head = 0;
      }
    } else p.open--;
  };

  const deadline = sleep(plan.startEpochMs + plan.timeoutS * 1000 - epochMs()).then(() => "timeout" as const);
  const outcome = await Promise.race([Promise.all(plan.banks.map(oneBank)).then(() => "done" as const), deadline]);
  clearInterval(ticker);
  sample();
  const used = process.cpuUsage(cpu0);
  r.cpuMs = Math.round((used.user + used.system) / 1000);
  r.peakRssMB = Math.max(r.peakRssMB, Math.round(process.resourceUsage().maxRSS / 1024));
  r.timedOut = outcome === "timeout";
  return r;
}

const sleep = (ms: number) => new Promise<void>((go) => setTimeout(go, Math.max(0, ms)));
