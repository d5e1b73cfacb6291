/**
 * The event log seen as the sync outbox: the next unsent batch (data left as stored JSON text,
 * nothing to re-encode), marking a batch sent (and deleting its plain pickup codes in the same
 * transaction), the backlog, and pruning what was sent long ago.
 */
import { writeTx, type Db } from "./database.js";
import type { EventRow } from "./rows.js";

/** An event as it goes upward: its data as stored, JSON text (nothing to re-encode). */
export interface OutboxEvent extends Omit<EventRow, "data" | "sentAt"> {
  data: string;
}

export interface OutboxStats {
  backlog: number;
  oldestUnsentAt: number | null;
  lastSentSeq: number;
}

/** A row as an array (seq, type, at, clock_synced, locker_id, parcel_id, data): the driver's
 * per-row objects with named columns cost about twice as much on a batch of thousands. */
type RawOutbox = [number, string, number, number, string | null, string | null, string];

const toEvent = (r: RawOutbox): OutboxEvent => ({ seq: r[0], type: r[1], at: r[2], clockSynced: r[3] === 1, lockerId: r[4], parcelId: r[5], data: r[6] });

export class SyncOutbox {
  private readonly unsentStmt;
  private readonly unsentAfterStmt;
  private readonly markStmt;
  private readonly stripStmt;
  private readonly backlogStmt;
  private readonly oldestStmt;
  private readonly lastSentStmt;
  private readonly pruneStmt;

  constructor(private readonly db: Db) {
    this.unsentStmt = db
      .prepare<[number], RawOutbox>(`SELECT seq, type, at, clock_synced, locker_id, parcel_id, data FROM events WHERE sent_at IS NULL ORDER BY seq LIMIT ?`)
      .raw(true);
    this.unsentAfterStmt = db
      .prepare<[number, number], RawOutbox>(`SELECT seq, type, at, clock_synced, locker_id, parcel_id, data FROM events WHERE sent_at IS NULL AND seq > ? ORDER BY seq LIMIT ?`)
      .raw(true);
    this.markStmt = db.prepare<[number, number, number]>(`UPDATE events SET sent_at = ? WHERE seq BETWEEN ? AND ? AND sent_at IS NULL`);
    // The central side holds the code now; the bank keeps only its HMAC.
    this.stripStmt = db.prepare<[number, number]>(
      `UPDATE events SET data = json_remove(data, '$.pickupCode', '$.pickupToken')
       WHERE seq BETWEEN ? AND ? AND type = 'parcel.assigned'
         AND (json_extract(data, '$.pickupCode') IS NOT NULL OR json_extract(data, '$.pickupToken') IS NOT NULL)`,
    );
    this.backlogStmt = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM events WHERE sent_at IS NULL`);
    this.oldestStmt = db.prepare<[], { at: number }>(`SELECT at FROM events WHERE sent_at IS NULL ORDER BY seq LIMIT 1`);
    this.lastSentStmt = db.prepare<[], { seq: number }>(`SELECT seq FROM events WHERE sent_at IS NOT NULL ORDER BY seq DESC LIMIT 1`);
    // Events are sent in seq order, so what may go is a prefix: look at the oldest `chunk` rows
    // only. Searching the whole table for sent ones read every row kept (a month of events)
    // on each call, holding the event loop for as long.
    this.pruneStmt = db.prepare<[number, number]>(
      `DELETE FROM events WHERE sent_at IS NOT NULL AND sent_at < ? AND seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?)`,
    );
  }

  unsent(limit: number): OutboxEvent[] {
    return this.unsentStmt.all(limit).map(toEvent);
  }

  /** The next batch after `afterSeq` (read ahead while the batch before it is in flight). */
  unsentAfter(afterSeq: number, limit: number): OutboxEvent[] {
    return this.unsentAfterStmt.all(afterSeq, limit).map(toEvent);
  }

  /** The central database holds firstSeq..lastSeq: mark them sent and drop their plain codes. */
  markSent(firstSeq: number, lastSeq: number, at: number): number {
    return writeTx(this.db, () => {
      const n = this.markStmt.run(at, firstSeq, lastSeq).changes;
      this.stripStmt.run(firstSeq, lastSeq);
      return n;
    });
  }

  stats(): OutboxStats {
    return {
      backlog: this.backlogStmt.get()?.n ?? 0,
      oldestUnsentAt: this.oldestStmt.get()?.at ?? null,
      lastSentSeq: this.lastSentStmt.get()?.seq ?? 0,
    };
  }

  /**
   * Delete the events sent before `sentBefore` among the oldest `chunk` (one short transaction);
   * returns how many. Fewer than `chunk` means the prunable prefix ended.
   */
  pruneChunk(sentBefore: number, chunk = 5000): number {
    return writeTx(this.db, () => this.pruneStmt.run(sentBefore, chunk).changes);
  }
}
