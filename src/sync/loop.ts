/**
 * The upward sync loop. Each cycle: push the outbox in batches (each batch one central
 * transaction, committed before the batch is marked sent locally), pull and apply commands when
 * due, prune old sent events when due. A failure ends the cycle and the next one waits a
 * capped, jittered backoff; the bank itself carries on unchanged, its events wait in SQLite.
 *
 * Exactly-once effect over at-least-once delivery: a crash after the central commit and before
 * the local mark re-sends the batch, which the central side recognises by (bank, seq) and content.
 */
import { crashPoint } from "../system/crash-points.js";
import type { BankContext } from "../bank/context.js";
import { SyncOutbox, type OutboxEvent } from "../store/sync-outbox.js";
import type { Logger } from "../system/logger.js";
import { backoffDelay } from "../basics/backoff.js";
import { SOFTWARE_VERSION } from "../system/paths.js";
import { SEQUENCE_CONFLICT, type CentralLink } from "./central-link.js";
import type { CommandTrust } from "../bank/remote-commands.js";
import { CommandApplier } from "./commands.js";
import { recordLockerSnapshot } from "./snapshot.js";
import type { SyncControl, SyncStatus } from "./state.js";

export interface SyncSettings {
  bankId: string;
  batchSize: number;
  intervalMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Sent events older than this are deleted locally. */
  retentionMs: number;
  commandPollMs: number;
  /** How often to prune (default hourly). */
  pruneEveryMs?: number;
}

export interface SyncHooks {
  /** Test hook (listed in system/crash-points.ts): runs after the central commit, before the local mark ("killed" in between). */
  afterCommit?: (lastSeq: number) => Promise<void> | void;
}

export interface SyncDeps {
  ctx: BankContext;
  link: CentralLink;
  log: Logger;
  random?: () => number;
  hooks?: SyncHooks;
  /** The operator keys and limits central commands are checked against; absent: no key is trusted, every command is refused. */
  trust?: CommandTrust;
}

export interface CycleReport {
  sent: number;
  batches: number;
  commands: number;
  pruned: number;
}

const META_LAST_SUCCESS = "sync.lastSuccessAt";

/** Outbox rows read in one synchronous step (a few milliseconds on a small machine). */
const READ_SLICE = 500;
/**
 * Outbox rows marked sent in one transaction: more would hold the event loop for longer, fewer
 * would cost more disk flushes (each commit is FULL-sync, and a flush competes with pickups').
 */
const MARK_SLICE = 5000;

export class SyncLoop implements SyncControl {
  private readonly outbox: SyncOutbox;
  private readonly commands: CommandApplier;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private started = false;
  private stopped = false;
  private again = false;
  private failures = 0;
  private attempts = 0;
  private lastError: string | null = null;
  private lastSuccessAt: number | null;
  private nextCommandPollAt = 0;
  private nextPruneAt = 0;
  private unsubscribe: (() => void) | null = null;
  private statusUnsupported = false;

  constructor(
    private readonly deps: SyncDeps,
    private readonly settings: SyncSettings,
  ) {
    this.outbox = new SyncOutbox(deps.ctx.store.db);
    this.commands = new CommandApplier(deps.ctx, deps.log, deps.trust ?? trustNoKey(settings.bankId));
    this.log = deps.log;
    const saved = deps.ctx.store.getMeta(META_LAST_SUCCESS);
    this.lastSuccessAt = saved ? Number(saved) : null;
  }

  /** Record the lockers' snapshot, settle interrupted commands, and start cycling. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // a command's outcome (a remote door that opened, or did not) goes up at once
    this.unsubscribe = this.deps.ctx.store.events.subscribe((e) => {
      if (e.type === "command.done" || e.type === "command.failed") this.pushNow();
    });
    try {
      this.commands.recoverInterrupted();
      recordLockerSnapshot(this.deps.ctx);
    } catch (e) {
      // the bank must start anyway; the snapshot is a convenience for the central projection
      this.log.error({ err: e }, "could not record the sync start (lockers snapshot, interrupted commands)");
    }
    this.schedule(0);
  }

  /** Stop cycling; a batch in flight is cut off (it is re-sent next time, harmlessly). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const closing = this.deps.link.close();
    await this.running;
    await closing;
  }

  pushNow(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  status(): SyncStatus {
    const s = this.outbox.stats();
    const now = this.deps.ctx.clock.now();
    return {
      configured: true,
      backlog: s.backlog,
      oldestUnsentAt: s.oldestUnsentAt === null ? null : new Date(s.oldestUnsentAt).toISOString(),
      lastSuccessAt: this.lastSuccessAt === null ? null : new Date(this.lastSuccessAt).toISOString(),
      lastError: this.lastError,
      lagMs: s.oldestUnsentAt === null ? 0 : Math.max(0, now - s.oldestUnsentAt),
      lastSentSeq: s.lastSentSeq,
      attempts: this.attempts,
    };
  }

  /** One cycle now (tests call this directly); rejects with the cycle's error. */
  async runOnce(): Promise<CycleReport> {
    const report: CycleReport = { sent: 0, batches: 0, commands: 0, pruned: 0 };
    try {
      await this.pushAll(report);
      const now = this.deps.ctx.clock.now();
      if (now >= this.nextCommandPollAt) {
        report.commands = await this.pullCommands();
        this.nextCommandPollAt = now + this.settings.commandPollMs;
        await this.reportStatus(null);
        // outcomes of the commands go up in the same cycle
        if (report.commands > 0) await this.pushAll(report);
      }
      if (now >= this.nextPruneAt) {
        report.pruned = await this.prune(now - this.settings.retentionMs);
        this.nextPruneAt = now + (this.settings.pruneEveryMs ?? 3_600_000);
        if (report.pruned) this.log.info({ pruned: report.pruned }, "pruned sent events past retention");
      }
      if (this.failures > 0 || this.lastError) this.log.info({ afterFailures: this.failures }, "central database reachable again");
      this.lastSuccessAt = this.deps.ctx.clock.now();
      this.failures = 0;
      this.lastError = null;
      this.attempts++;
      return report;
    } catch (e) {
      this.failures++;
      this.lastError = describe(e);
      this.attempts++;
      const conflict = (e as { code?: unknown }).code === SEQUENCE_CONFLICT;
      // A conflict will not heal by retrying; it stays visible in GET /sync and at error level.
      if (conflict) {
        this.log.error({ err: e, failures: this.failures }, "central database rejected a batch: sequence conflict");
        // the refused batch leaves no trace centrally: say so in the bank's status instead
        await this.reportStatus(this.lastError, true);
      } else this.log.warn({ err: e, failures: this.failures, backlog: this.outbox.stats().backlog }, "sync failed; will retry");
      throw e;
    }
  }

  /**
   * Push the whole outbox, pipelined: while the central database works on one batch, the bank
   * marks the batch before it and reads the one after. A batch is marked only after its own
   * commit; a crash in between re-sends it, which the central side recognises.
   */
  private async pushAll(report: CycleReport): Promise<void> {
    const size = this.settings.batchSize;
    let batch = await this.readBatch(0);
    if (batch.length === 0 || this.stopped) return;
    let pushing = settle(this.deps.link.pushBatch(this.settings.bankId, batch));
    // a short batch was the whole backlog
    let next = batch.length === size ? await this.readAhead(pushing, batch[batch.length - 1]!.seq) : [];
    for (;;) {
      const first = batch[0]!.seq;
      const last = batch[batch.length - 1]!.seq;
      const pushed = await pushing;
      if (!pushed.ok) throw pushed.error;
      if (pushed.value < last) throw new Error(`central database acknowledged seq ${pushed.value}, expected ${last}`);
      crashPoint("sync.central_committed");
      await this.deps.hooks?.afterCommit?.(last);
      // the next batch goes out before this one is marked: the server works while we write
      // (if marking fails, the batch in flight is simply sent again next cycle)
      const nextPushing = next.length > 0 && !this.stopped ? settle(this.deps.link.pushBatch(this.settings.bankId, next)) : null;
      const now = this.deps.ctx.clock.now();
      await this.markSent(batch, now);
      crashPoint("sync.marked");
      this.lastSuccessAt = now;
      this.deps.ctx.store.write(() => this.deps.ctx.store.setMeta(META_LAST_SUCCESS, String(now)));
      report.sent += batch.length;
      report.batches++;
      this.log.debug({ first, last, count: batch.length }, "batch synced");
      if (!nextPushing) return;
      batch = next;
      pushing = nextPushing;
      next = batch.length === size ? await this.readAhead(pushing, batch[batch.length - 1]!.seq) : [];
    }
  }

  /** Read the batch after `afterSeq` while a push is in flight; a read failure reports the push's first. */
  private async readAhead(pushing: Promise<Settled<number>>, afterSeq: number): Promise<OutboxEvent[]> {
    try {
      return await this.readBatch(afterSeq);
    } catch (e) {
      const pushed = await pushing;
      if (!pushed.ok) throw pushed.error;
      throw e;
    }
  }

  /**
   * The unsent events after `afterSeq`, up to a batch, read in slices with the event loop free
   * in between: one read of a whole batch of thousands of rows would hold a keypress or a
   * request for tens of milliseconds. Seqs only grow, so the slices join up without gaps.
   */
  private async readBatch(afterSeq: number): Promise<OutboxEvent[]> {
    const size = this.settings.batchSize;
    const batch: OutboxEvent[] = [];
    let after = afterSeq;
    while (batch.length < size && !this.stopped) {
      if (batch.length > 0) await nextTurn();
      const want = Math.min(READ_SLICE, size - batch.length);
      const slice = this.outbox.unsentAfter(after, want);
      for (const e of slice) batch.push(e);
      if (slice.length < want) break;
      after = slice[slice.length - 1]!.seq;
    }
    return batch;
  }

  /**
   * Mark a batch the central database holds as sent, a slice per transaction with the event
   * loop free in between (one transaction over thousands of rows holds it for tens of ms).
   * A crash part-way leaves the rest unmarked: it is sent again and recognised centrally.
   */
  private async markSent(batch: readonly OutboxEvent[], now: number): Promise<void> {
    for (let i = 0; i < batch.length; i += MARK_SLICE) {
      if (i > 0) await nextTurn();
      const end = Math.min(i + MARK_SLICE, batch.length) - 1;
      this.outbox.markSent(batch[i]!.seq, batch[end]!.seq, now);
    }
  }

  /** Chunk by chunk, letting doors and requests run in between (a first prune may be large). */
  private async prune(sentBefore: number): Promise<number> {
    const chunk = 5000;
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const n = this.outbox.pruneChunk(sentBefore, chunk);
      total += n;
      if (n < chunk) return total;
      await nextTurn();
    }
  }

  private async pullCommands(): Promise<number> {
    const cmds = await this.deps.link.pullCommands(this.settings.bankId, 100);
    let applied = 0;
    for (const c of cmds) {
      if ((await this.commands.apply(c)) !== "skipped") applied++;
    }
    // (a door command stays open until its door opens or does not: its outcome goes up then)
    return applied;
  }

  /**
   * Tell the central service what is not in the events: software version, clock, backlog, the
   * last sync error. Best effort: a center without central.report_bank_status (older schema) or
   * a failed report never stops the events from flowing.
   */
  private async reportStatus(lastError: string | null, sequenceConflict = false): Promise<void> {
    const link = this.deps.link;
    if (!link.reportStatus || this.statusUnsupported) return;
    const s = this.outbox.stats();
    const { clock } = this.deps.ctx;
    try {
      await link.reportStatus(this.settings.bankId, {
        softwareVersion: SOFTWARE_VERSION,
        bankTimeMs: clock.now(),
        clockSynced: clock.isSynchronised(),
        backlog: s.backlog,
        oldestUnsentMs: s.oldestUnsentAt,
        lastError,
        sequenceConflict,
      });
    } catch (e) {
      // 42883: no such function, a central schema older than the fleet view; do not ask again
      if ((e as { code?: unknown }).code === "42883") this.statusUnsupported = true;
      this.log.debug({ err: e }, "could not report the bank's status to the central database");
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.cycle().finally(() => {
        this.running = null;
      });
    }, ms);
  }

  private async cycle(): Promise<void> {
    let delay = this.settings.intervalMs;
    try {
      await this.runOnce();
    } catch {
      delay = backoffDelay(this.failures, { minMs: this.settings.backoffMinMs, maxMs: this.settings.backoffMaxMs }, this.deps.random);
    }
    if (this.again) {
      this.again = false;
      if (this.failures === 0) delay = 0;
    }
    this.schedule(delay);
  }
}

function trustNoKey(bankId: string): CommandTrust {
  return { bankId, keys: new Map(), maxRemoteOpensPerHour: 0, clockSkewMs: 0, maxValidityMs: 0 };
}

/** Let I/O callbacks (keypad reports, HTTP requests) run before going on. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that never rejects, so two can be awaited together and their failures ranked. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function describe(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const msg = typeof err?.message === "string" ? err.message : String(e);
  if (err?.code === SEQUENCE_CONFLICT) return `sequence conflict: ${msg}`;
  return typeof err?.code === "string" ? `${err.code}: ${msg}` : msg;
}
