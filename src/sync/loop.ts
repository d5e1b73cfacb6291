/**
 * The upward sync loop. Each cycle: push the outbox in batches (each batch one central
 * transaction, committed before the batch is marked sent locally), pull and apply commands when
 * due, prune old sent events when due. A failure ends the cycle and the next one waits a
 * capped, jittered backoff; the bank itself carries on unchanged, its events wait in SQLite.
 *
 * Exactly-once effect over at-least-once delivery: a crash after the central commit and before
 * the local mark re-sends the batch, which the central side recognises by (bank, seq) and content.
 */
import { healthSummary } from "../bank/health-summary.js";
import { crashPoint } from "../system/crash-points.js";
import { span, spanStart } from "../system/trace.js";
import type { BankContext } from "../bank/context.js";
import type { SyncOutbox } from "../store/sync-outbox.js";
import type { Logger } from "../system/logger.js";
import { backoffDelay } from "../basics/backoff.js";
import { GIVE_WAY_MAX_MS, giveWay, type Foreground } from "../basics/foreground.js";
import { SOFTWARE_VERSION } from "../system/paths.js";
import { SEQUENCE_CONFLICT, type AdviceHintRow, type CentralLink, type PassRevocation } from "./central-link.js";
import type { CommandTrust } from "../bank/remote-commands.js";
import { CommandApplier } from "./commands.js";
import { ADVICE_HINTS } from "./advice-hints.js";
import { PagedPuller } from "./paged-pull.js";
import { PASS_REVOCATIONS } from "./revocations.js";
import { recordLockerSnapshot } from "./snapshot.js";
import type { SyncControl, SyncStatus } from "./state.js";
import { LinkUplink, nextTurn, type PushedBatch, type Uplink } from "./uplink.js";

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
  /**
   * Where batches go: an Uplink (the daemon's runs in a worker thread), or a CentralLink used
   * from this thread (tests), read through the store's outbox in slices.
   */
  link: CentralLink | Uplink;
  log: Logger;
  random?: () => number;
  hooks?: SyncHooks;
  /** The operator keys and limits central commands are checked against; absent: no key is trusted, every command is refused. */
  trust?: CommandTrust;
  /** The person at the bank (the kiosk): the loop's own writes wait while it acts, GIVE_WAY_MAX_MS at most each. */
  foreground?: Foreground;
}

export interface CycleReport {
  sent: number;
  batches: number;
  commands: number;
  /** Pass revocations received (with the command poll). */
  revocations: number;
  /** Reachable-door hints of pre-advice received (with the command poll). */
  hints: number;
  pruned: number;
}

const META_LAST_SUCCESS = "sync.lastSuccessAt";

/**
 * Outbox rows marked sent in one transaction, with the event loop free in between: 1,000 held
 * it for 15 ms on a loaded 2-core VM, 250 for about 5 (most of it the flush, which marks now
 * skip, see Store.write's `redoable`). A Pi's core is several times slower.
 */
const MARK_SLICE = 250;
/** Sent events deleted in one transaction when pruning (same trade as MARK_SLICE). */
const PRUNE_SLICE = 250;

export class SyncLoop implements SyncControl {
  private readonly outbox: SyncOutbox;
  private readonly uplink: Uplink;
  private readonly commands: CommandApplier;
  private readonly revocations: PagedPuller<PassRevocation>;
  private readonly hints: PagedPuller<AdviceHintRow>;
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
  private unlistenHolds: (() => void) | null = null;
  private statusUnsupported = false;

  constructor(
    private readonly deps: SyncDeps,
    private readonly settings: SyncSettings,
  ) {
    this.outbox = deps.ctx.store.outbox;
    this.uplink = "pushBatch" in deps.link ? new LinkUplink(deps.link, this.outbox, { beforeSend: () => deps.ctx.store.durable() }) : deps.link;
    this.commands = new CommandApplier(deps.ctx, deps.log, deps.trust ?? trustNoKey(settings.bankId));
    this.log = deps.log;
    const store = deps.ctx.store;
    this.revocations = new PagedPuller(
      PASS_REVOCATIONS,
      { lastId: () => store.passes.lastRevocationId(), apply: (rows, now) => store.write(() => store.passes.addRevocations(rows, now)) },
      deps.log,
    );
    this.hints = new PagedPuller(ADVICE_HINTS, { lastId: () => store.adviceHints.lastHintId(), apply: (rows, now) => store.write(() => store.adviceHints.apply(rows, now)) }, deps.log);
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
    // the card held for a customer: the worker's own flush before a batch waits too
    this.unlistenHolds = this.deps.ctx.store.listenToFlushHolds((ms) => (ms === null ? this.uplink.releaseFlushes?.() : this.uplink.holdFlushes?.(ms)));
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
    this.unlistenHolds?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const closing = this.uplink.close();
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
      adviceHints: this.deps.ctx.store.adviceHints.count(),
    };
  }

  /** One cycle now (tests call this directly); rejects with the cycle's error. */
  async runOnce(): Promise<CycleReport> {
    const report: CycleReport = { sent: 0, batches: 0, commands: 0, revocations: 0, hints: 0, pruned: 0 };
    try {
      await this.pushAll(report);
      const now = this.deps.ctx.clock.now();
      if (now >= this.nextCommandPollAt) {
        report.commands = await this.pullCommands();
        // revoked passes: at every command poll, so a revoked courier is refused within one
        report.revocations = await this.revocations.pull(this.uplink, this.settings.bankId, now);
        // reachable doors asked for in pre-advice: held here before the courier scans the parcel
        report.hints = await this.hints.pull(this.uplink, this.settings.bankId, now);
        this.nextCommandPollAt = now + this.settings.commandPollMs;
        await this.reportStatus(null);
        // outcomes of the commands go up in the same cycle
        if (report.commands > 0) await this.pushAll(report);
      }
      if (now >= this.nextPruneAt) {
        report.pruned = await this.prune(now - this.settings.retentionMs);
        // revocations and spent one-time passes whose passes have expired anyway, kept the clock
        // grace longer: while the clock is unsynced a pass is honoured that much past its notAfter
        const grace = this.deps.ctx.passes?.clockGraceMs ?? 0;
        await this.giveWay(false);
        this.deps.ctx.store.write(() => {
          this.deps.ctx.store.passes.prune(now - grace);
          this.deps.ctx.store.adviceHints.prune(now);
        });
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
   * marks the batch before it (and the uplink reads the one after). A batch is marked only after
   * its own commit; a crash in between re-sends it, which the central side recognises.
   */
  private async pushAll(report: CycleReport): Promise<void> {
    const batches = this.uplink.push(this.settings.bankId, 0, this.settings.batchSize, {
      stopped: () => this.stopped,
      committed: async (b) => {
        if (b.ack < b.last) throw new Error(`central database acknowledged seq ${b.ack}, expected ${b.last}`);
        crashPoint("sync.central_committed");
        await this.deps.hooks?.afterCommit?.(b.last);
      },
    });
    // (if marking fails, the batch in flight is simply sent again next cycle)
    for await (const b of batches) {
      const now = this.deps.ctx.clock.now();
      await this.markSent(b, now);
      crashPoint("sync.marked");
      this.lastSuccessAt = now;
      report.sent += b.count;
      report.batches++;
      this.log.debug({ first: b.first, last: b.last, count: b.count }, "batch synced");
    }
  }

  /**
   * Mark a batch the central database holds as sent, a slice per transaction with the event
   * loop free in between (one transaction over thousands of rows holds it for tens of ms); the
   * last slice records the time of success in the same transaction (one disk flush, not two).
   * A crash part-way leaves the rest unmarked: it is sent again and recognised centrally.
   */
  private async markSent(b: PushedBatch, now: number): Promise<void> {
    const store = this.deps.ctx.store;
    for (let from = b.first; from <= b.last; from += MARK_SLICE) {
      await this.giveWay(from > b.first);
      const to = Math.min(from + MARK_SLICE - 1, b.last);
      // redoable: a mark lost on power failure re-sends the batch, which central recognises
      store.write(
        () => {
          this.outbox.markSentInTransaction(from, to, now);
          if (to === b.last) store.setMeta(META_LAST_SUCCESS, String(now));
        },
        { redoable: true },
      );
    }
    // once per batch, not per slice: a WAL checkpoint waits for the disk
    this.outbox.scrubIfStripped();
  }

  /** Chunk by chunk, letting doors and requests run in between (a first prune may be large). */
  private async prune(sentBefore: number): Promise<number> {
    const chunk = PRUNE_SLICE;
    let total = 0;
    await this.giveWay(false);
    for (;;) {
      if (this.stopped) return total;
      const start = spanStart();
      const n = this.outbox.pruneChunk(sentBefore, chunk);
      span("prune", start);
      total += n;
      if (n < chunk) return total;
      await this.giveWay(true);
    }
  }

  /**
   * Before each of the loop's own writes on the event loop (a slice of marks, a chunk of a
   * prune): let I/O run first when asked (a key or a request read meanwhile), then wait while
   * the kiosk acts for a customer, GIVE_WAY_MAX_MS at most. Under load on a Pi's CPU these
   * writes were what a customer's key and pickup queued behind.
   */
  private async giveWay(yieldFirst: boolean): Promise<void> {
    if (yieldFirst) await nextTurn();
    await giveWay(this.deps.foreground, GIVE_WAY_MAX_MS);
  }

  private async pullCommands(): Promise<number> {
    const cmds = await this.uplink.pullCommands(this.settings.bankId, 100);
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
    const link = this.uplink;
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
        lockerHealth: healthSummary(this.deps.ctx),
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

function describe(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const msg = typeof err?.message === "string" ? err.message : String(e);
  if (err?.code === SEQUENCE_CONFLICT) return `sequence conflict: ${msg}`;
  return typeof err?.code === "string" ? `${err.code}: ${msg}` : msg;
}
