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
import { writeTx, type Db } from "./database.js";
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
    this.outbox = new SyncOutbox(db, (fn) => this.write(fn, { redoable: true }));
  }

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
   * for a change a customer or a door depends on.
   */
  write<T>(fn: () => T, opts: WriteOptions = {}): T {
    const start = spanStart();
    if (!opts.redoable) {
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
    this.db.close();
  }
}
