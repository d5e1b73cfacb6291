/**
 * The store: the only code that speaks SQL, and the single writer. A write is one
 * BEGIN IMMEDIATE transaction; events appended inside it reach live listeners only after it
 * commits.
 */
import { isLockerdError } from "../basics/errors.js";
import { span, spanStart } from "../system/trace.js";

import { AdviceHintTable } from "./advice-hints.js";
import { AttemptTable } from "./attempts.js";
import { CourierCredentialTable } from "./courier-credentials.js";
import { Checkpointer } from "./checkpointer.js";
import { scrubWal, writeTx, type Db } from "./database.js";
import { EventLog, type NewEvent, type RecordedEvent } from "./events.js";
import { IdempotencyTable } from "./idempotency.js";
import { IntentTable } from "./intents.js";
import { LockerTable } from "./lockers.js";
import { LockerHealthTable } from "./locker-health.js";
import { PassTable } from "./passes.js";
import { ReturnTable } from "./returns.js";
import { ParcelTable } from "./parcels.js";
import { SyncCommandTable } from "./sync-commands.js";
import { SyncOutbox } from "./sync-outbox.js";
import { WalFlusher, type FileSync } from "./wal-flush.js";

export interface DeferredFlushOptions {
  /** The database file's path (its WAL is flushed, beside it). */
  path: string;
  /** How a file is flushed (tests hand in a gate); default fdatasync on the thread pool. */
  sync?: FileSync;
  /** Least time between two flushes nobody waits for urgently (WalFlusher; default 5 ms). */
  gapMs?: number;
  /** Commits between two checkpoints in the checkpoint thread (default 64). */
  commitsPerCheckpoint?: number;
}

export interface WriteOptions {
  /** Lost on power failure without harm, because it is redone (see Store.write). */
  redoable?: boolean;
}

export class Store {
  readonly lockers: LockerTable;
  readonly health: LockerHealthTable;
  readonly parcels: ParcelTable;
  readonly intents: IntentTable;
  readonly events: EventLog;
  readonly attempts: AttemptTable;
  readonly couriers: CourierCredentialTable;
  readonly commands: SyncCommandTable;
  readonly idempotency: IdempotencyTable;
  /** Pass revocations and spent one-time passes (signing/pass.ts). */
  readonly passes: PassTable;
  /** Returns: parcel rows of kind return. */
  readonly returns: ReturnTable;
  /** Reachable-door hints from the carriers' pre-advice at the center (pulled with sync). */
  readonly adviceHints: AdviceHintTable;
  /** The event log as the sync outbox; its marks and prunes go through write() below. */
  readonly outbox: SyncOutbox;

  constructor(
    readonly db: Db,
    private readonly clockSynced: () => boolean = () => true,
  ) {
    this.lockers = new LockerTable(db);
    this.health = new LockerHealthTable(db);
    this.parcels = new ParcelTable(db);
    this.intents = new IntentTable(db);
    this.events = new EventLog(db);
    this.attempts = new AttemptTable(db);
    this.couriers = new CourierCredentialTable(db);
    this.commands = new SyncCommandTable(db);
    this.idempotency = new IdempotencyTable(db);
    this.passes = new PassTable(db);
    this.returns = new ReturnTable(db);
    this.adviceHints = new AdviceHintTable(db);
    this.outbox = new SyncOutbox(db, (fn) => this.write(fn, { redoable: true }), () => void this.scrub());
  }

  private flusher: WalFlusher | null = null;
  /** A deferred flush failed: nothing written since can be vouched for (the daemon stops). */
  onFlushFailure: ((e: Error) => void) | null = null;
  /** A checkpoint in the checkpoint thread failed (logged; the next one tries again). */
  onCheckpointError: ((e: Error) => void) | null = null;
  private checkpointer: Checkpointer | null = null;

  /**
   * Durability off the event loop (see wal-flush.ts): from now on a commit returns before the
   * disk has it, and whoever lets a commit's effect out of the process (a door, an answer, a
   * batch to the center) first awaits durable(). Checkpoints move to their own thread
   * (checkpointer.ts). The daemon's core does this (compose/bank.ts); tools that write and exit
   * keep flushing at each commit.
   */
  deferFlush(o: DeferredFlushOptions): WalFlusher {
    if (this.db.memory) throw new Error("deferFlush needs a database file");
    // OFF, not NORMAL: NORMAL still fsyncs the WAL's header each time the WAL starts over (after
    // every complete checkpoint), on this thread. The flusher's fdatasync covers the header with
    // the frames; this connection never checkpoints (the checkpoint thread does, synchronous
    // NORMAL), except when it closes, and close() turns FULL back on first.
    this.db.pragma("synchronous = OFF");
    this.db.pragma("wal_autocheckpoint = 0");
    this.flusher = new WalFlusher(o.path, { ...(o.sync ? { sync: o.sync } : {}), ...(o.gapMs !== undefined ? { gapMs: o.gapMs } : {}) });
    this.flusher.onFailure = (e) => this.onFlushFailure?.(e);
    this.checkpointer = new Checkpointer(o.path, o.commitsPerCheckpoint);
    this.checkpointer.onError = (e) => this.onCheckpointError?.(e);
    return this.flusher;
  }

  /**
   * Resolves once every commit made so far is on disk (at once when commits flush themselves).
   * `urgent`: a customer waits at a door; the flush does not wait out its spacing (wal-flush.ts).
   */
  durable(opts: { urgent?: boolean } = {}): Promise<void> {
    return this.flusher ? this.flusher.durable(opts) : Promise.resolve();
  }

  /**
   * A customer's pickup is imminent (compose/durable-doors.ts): for up to ms, start no flush or
   * checkpoint that nobody waits for urgently, so the pickup's flush finds the card free
   * (bounded: wal-flush.ts, checkpointer.ts). No effect when commits flush themselves.
   */
  holdFlushes(ms: number): void {
    this.flusher?.holdFor(ms);
    this.checkpointer?.holdFor(ms);
    for (const l of this.holdListeners) l(ms);
  }

  /** The pickup's flush came, or is not coming. */
  releaseFlushes(): void {
    this.flusher?.release();
    this.checkpointer?.release();
    for (const l of this.holdListeners) l(null);
  }

  /** Told of every hold (ms) and release (null): threads that flush the WAL themselves hold too (the sync worker). */
  listenToFlushHolds(listener: (ms: number | null) => void): () => void {
    this.holdListeners.add(listener);
    return () => this.holdListeners.delete(listener);
  }

  private readonly holdListeners = new Set<(ms: number | null) => void>();

  /** The deferred flush's counts (zeros when commits flush themselves). */
  flushStats(): { flushes: number; carried: number; pending: number } {
    const f = this.flusher;
    return f ? { flushes: f.flushes, carried: f.carried, pending: f.pending } : { flushes: 0, carried: 0, pending: 0 };
  }

  /** Commits not yet known to be on disk (0 when commits flush themselves). */
  get undurable(): number {
    return this.flusher?.pending ?? 0;
  }

  /** After plain secrets were removed: drop the WAL frames that still hold them (scrubWal). */
  scrub(): Promise<boolean> {
    this.lastScrub = this.checkpointer ? this.checkpointer.scrub() : Promise.resolve(scrubWal(this.db));
    return this.lastScrub;
  }

  /** The latest scrub's result (false if none ran): the checkpoint thread's may still be under way. */
  scrubbed(): Promise<boolean> {
    return this.lastScrub;
  }

  private lastScrub: Promise<boolean> = Promise.resolve(false);

  /**
   * Called when a write fails because the disk is full; returns true when it freed room, and
   * the write is then tried once more (see system/storage-guard.ts).
   */
  onFull: (() => boolean) | null = null;

  /**
   * One immediate write transaction; its events are published after commit.
   *
   * `redoable`: a write whose loss on power failure is harmless because it is done again (sync
   * marks: a batch not marked is re-sent and recognised centrally; prunes: deleted again). It
   * commits without flushing the disk (synchronous=NORMAL for this transaction): the next
   * ordinary commit's flush carries it, and the event loop does not wait for the card. Never
   * for a change a customer or a door depends on. With the flush deferred (deferFlush) every
   * commit is made that way, and this makes no difference.
   */
  write<T>(fn: () => T, opts: WriteOptions = {}): T {
    const start = spanStart();
    if (!opts.redoable || this.flusher) {
      try {
        return this.writeRetrying(fn);
      } finally {
        span("write", start);
      }
    }
    this.db.pragma("synchronous = NORMAL");
    try {
      return this.writeRetrying(fn);
    } finally {
      this.db.pragma("synchronous = FULL");
      span("write.redoable", start);
    }
  }

  private writeRetrying<T>(fn: () => T): T {
    try {
      return this.writeOnce(fn);
    } catch (e) {
      if (isLockerdError(e, "STORAGE_FULL") && this.onFull?.()) return this.writeOnce(fn);
      throw e;
    }
  }

  private writeOnce<T>(fn: () => T): T {
    let result: T;
    try {
      result = writeTx(this.db, fn);
    } catch (e) {
      this.events.discard();
      throw e;
    }
    this.flusher?.noteCommit();
    this.checkpointer?.noteCommit();
    this.events.flush();
    return result;
  }

  /** Append an event of the catalogue (basics/events.ts) inside the current write transaction. */
  record(e: NewEvent, at: number): RecordedEvent {
    return this.events.append(e, at, this.clockSynced());
  }

  getMeta(key: string): string | undefined {
    return this.db.prepare<[string], { value: string }>(`SELECT value FROM meta WHERE key = ?`).get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, value);
  }

  close(): void {
    this.checkpointer?.close();
    this.flusher?.close();
    // the last connection to close checkpoints: with its flushes
    if (this.flusher && this.db.open) this.db.pragma("synchronous = FULL");
    this.db.close();
  }
}
