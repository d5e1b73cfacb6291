/**
 * The event log seen as the sync outbox: the next unsent batch (data left as stored JSON text,
 * nothing to re-encode), marking a batch sent (and deleting its sealed pickup codes in the same
 * transaction, then their WAL frames), the backlog, and pruning what was sent long ago.
 *
 * Reading (OutboxReader) needs only a connection, and the sync worker thread reads through its
 * own read-only one. Writing (SyncOutbox) belongs to the store: it is built by the Store and
 * every change goes through the store's single write path (one BEGIN IMMEDIATE transaction,
 * full-disk handling, events published after commit).
 */
import { LockerdError } from "../basics/errors.js";
import type { Db } from "./database.js";
import type { EventRow } from "./rows.js";

/** An event as it goes upward: its data as stored, JSON text (nothing to re-encode). */
export interface OutboxEvent extends Omit<EventRow, "data" | "sentAt"> {
  data: string;
}

export interface OutboxStats {
  backlog: number;
  /** When the first unsent event (lowest seq) was recorded. */
  oldestUnsentAt: number | null;
  /** Every event up to this seq is in the central database (or was, and has been pruned here). */
  lastSentSeq: number;
}

/*
 * Why the backlog is arithmetic, not a count. Counting the unsent rows read every one of them
 * (20-80 ms with 100,000 waiting, on every GET /sync and metrics scrape, in the event loop).
 *
 * Claim: the unsent events are exactly the rows with seq in f..m, every seq in between present,
 * where f is the lowest unsent seq and m the highest seq, and m is also the highest seq the
 * table ever gave out (sqlite_sequence) whenever anything is unsent. So backlog = m - f + 1.
 * It holds for an empty log, and each way rows change keeps it (nothing else writes events:
 * EventLog.append, markSent and pruneChunk below are the only INSERT/UPDATE/DELETE on it):
 * - append: AUTOINCREMENT gives sqlite_sequence + 1 = m + 1 (or starts a new run f = m' + 1
 *   when nothing was unsent). A rolled-back transaction rolls sqlite_sequence back with its rows;
 *   SQLite has one writer, so no other process can slip a row in between.
 * - markSent: refuses a range that starts above f (checked in the same transaction), so it
 *   marks the unsent rows f..last, a prefix; the rest stays a run last+1..m.
 * - pruneChunk: deletes sent rows only, all below f; m and sqlite_sequence are untouched.
 * Then everything below f went up (lastSentSeq = f - 1), and with nothing unsent everything
 * ever recorded did (lastSentSeq = sqlite_sequence, which survives pruning).
 * test/unit/store/sync-outbox-stats.test.ts checks this against a full count under random
 * appends, rollbacks, marks, crashes mid-mark, prunes and restarts.
 */
const STATS_SQL = `
  SELECT f.seq AS first, f.at AS firstAt,
         (SELECT max(seq) FROM events) AS last,
         (SELECT seq FROM sqlite_sequence WHERE name = 'events') AS ever
  FROM (SELECT 1) LEFT JOIN (SELECT seq, at FROM events WHERE sent_at IS NULL ORDER BY seq LIMIT 1) AS f`;

/**
 * The outbox figures in one statement (one snapshot, even with another process writing): three
 * index lookups (the unsent index's first entry, the rowid tree's last, sqlite_sequence).
 */
export function outboxStatsReader(db: Db): () => OutboxStats {
  const stmt = db.prepare<[], { first: number | null; firstAt: number | null; last: number | null; ever: number | null }>(STATS_SQL);
  return () => {
    const r = stmt.get();
    if (!r || r.first === null) return { backlog: 0, oldestUnsentAt: null, lastSentSeq: r?.ever ?? 0 };
    return { backlog: r.last! - r.first + 1, oldestUnsentAt: r.firstAt, lastSentSeq: r.first - 1 };
  };
}

/** A row as an array (seq, type, at, clock_synced, locker_id, parcel_id, data): the driver's
 * per-row objects with named columns cost about twice as much on a batch of thousands. */
type RawOutbox = [number, string, number, number, string | null, string | null, string];

const toEvent = (r: RawOutbox): OutboxEvent => ({ seq: r[0], type: r[1], at: r[2], clockSynced: r[3] === 1, lockerId: r[4], parcelId: r[5], data: r[6] });

/** The reading half: usable on any connection, read-only ones included (the sync worker's). */
export class OutboxReader {
  private readonly unsentStmt;
  private readonly unsentAfterStmt;
  private readonly readStats;

  constructor(db: Db) {
    this.unsentStmt = db
      .prepare<[number], RawOutbox>(`SELECT seq, type, at, clock_synced, locker_id, parcel_id, data FROM events WHERE sent_at IS NULL ORDER BY seq LIMIT ?`)
      .raw(true);
    this.unsentAfterStmt = db
      .prepare<[number, number], RawOutbox>(`SELECT seq, type, at, clock_synced, locker_id, parcel_id, data FROM events WHERE sent_at IS NULL AND seq > ? ORDER BY seq LIMIT ?`)
      .raw(true);
    this.readStats = outboxStatsReader(db);
  }

  unsent(limit: number): OutboxEvent[] {
    return this.unsentStmt.all(limit).map(toEvent);
  }

  /** The next batch after `afterSeq` (read ahead while the batch before it is in flight). */
  unsentAfter(afterSeq: number, limit: number): OutboxEvent[] {
    return this.unsentAfterStmt.all(afterSeq, limit).map(toEvent);
  }

  /** Backlog, oldest unsent event, last sent seq: index lookups, however long the backlog. */
  stats(): OutboxStats {
    return this.readStats();
  }
}

/** The store's write path for redoable writes: one immediate transaction (see Store.write). */
export type StoreWrite = <T>(fn: () => T) => T;

/** The outbox as the store holds it: reading, and marking and pruning through the store's writes. */
export class SyncOutbox extends OutboxReader {
  private readonly markStmt;
  private readonly stripStmt;
  private readonly firstUnsentStmt;
  private readonly pruneStmt;

  /**
   * Built by the Store (`store.outbox`), which hands in its own write path. Marks and prunes
   * are redoable: lost on power failure, the batch is re-sent (and recognised centrally) or the
   * rows pruned again, so they commit without waiting for the disk flush.
   */
  constructor(
    private readonly db: Db,
    private readonly write: StoreWrite,
    /** Drops the WAL frames that may still hold stripped codes (Store.scrub). */
    private readonly scrubWal: () => void,
  ) {
    super(db);
    this.markStmt = db.prepare<[number, number, number]>(`UPDATE events SET sent_at = ? WHERE seq BETWEEN ? AND ? AND sent_at IS NULL`);
    // The central side holds the (sealed) code now; the bank keeps only its HMAC. Plain codes
    // are found only in events written by an older lockerd; new ones carry sealedCodes.
    this.stripStmt = db.prepare<[number, number]>(
      `UPDATE events SET data = json_remove(data, '$.pickupCode', '$.pickupToken', '$.sealedCodes')
       WHERE seq BETWEEN ? AND ? AND type = 'parcel.assigned'
         AND (json_extract(data, '$.pickupCode') IS NOT NULL OR json_extract(data, '$.pickupToken') IS NOT NULL
              OR json_extract(data, '$.sealedCodes') IS NOT NULL)`,
    );
    this.firstUnsentStmt = db.prepare<[], { seq: number }>(`SELECT seq FROM events WHERE sent_at IS NULL ORDER BY seq LIMIT 1`);
    // Events are sent in seq order, so what may go is a prefix: look at the oldest `chunk` rows
    // only. Searching the whole table for sent ones read every row kept (a month of events)
    // on each call, holding the event loop for as long.
    this.pruneStmt = db.prepare<[number, number]>(
      `DELETE FROM events WHERE sent_at IS NOT NULL AND sent_at < ? AND seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?)`,
    );
  }

  /**
   * The central database holds firstSeq..lastSeq: mark them sent and drop their plain codes, in
   * one transaction of the store. Only a prefix of the unsent events may be marked (events go
   * up in seq order; stats() rests on it): a range starting above the first unsent event is
   * refused and nothing changes.
   */
  markSent(firstSeq: number, lastSeq: number, at: number): number {
    const marked = this.write(() => this.markSentInTransaction(firstSeq, lastSeq, at));
    this.scrubIfStripped();
    return marked;
  }

  private stripped = 0;

  /**
   * After the transaction that stripped codes: they are gone from the rows (secure_delete zeroed
   * them); drop the WAL frames that still hold them too (best effort: a reader holding the WAL
   * leaves them to the next checkpoint).
   */
  scrubIfStripped(): void {
    if (this.stripped === 0) return;
    this.stripped = 0;
    this.scrubWal();
  }

  /** markSent inside the caller's store.write (with other writes of the same transaction); call scrubIfStripped after it commits. */
  markSentInTransaction(firstSeq: number, lastSeq: number, at: number): number {
    if (!this.db.inTransaction) throw new Error("SyncOutbox.markSentInTransaction outside a store.write transaction");
    const first = this.firstUnsentStmt.get()?.seq;
    if (first !== undefined && first < firstSeq && firstSeq <= lastSeq) {
      throw new LockerdError("INVALID_STATE", `cannot mark events ${firstSeq}..${lastSeq} sent while ${first} before them is not`, { firstSeq, lastSeq, firstUnsent: first });
    }
    const n = this.markStmt.run(at, firstSeq, lastSeq).changes;
    this.stripped += this.stripStmt.run(firstSeq, lastSeq).changes;
    return n;
  }

  /**
   * Delete the events sent before `sentBefore` among the oldest `chunk` (one short transaction
   * of the store); returns how many. Fewer than `chunk` means the prunable prefix ended.
   */
  pruneChunk(sentBefore: number, chunk = 5000): number {
    return this.write(() => this.pruneStmt.run(sentBefore, chunk).changes);
  }
}
