/**
 * The append-only event log, which is also the outbox for upward sync. Events are written in
 * the same transaction as the change they record; seq is AUTOINCREMENT so a number is never
 * reused, even after old events are pruned.
 */
import type { NewEvent, RecordedEvent } from "../basics/events.js";
import type { Db } from "./database.js";
import type { EventRow } from "./rows.js";

export type { NewEvent, RecordedEvent };

interface RawEvent {
  seq: number;
  type: string;
  at: number;
  clockSynced: number;
  lockerId: string | null;
  parcelId: string | null;
  data: string;
  sentAt: number | null;
}

const COLUMNS = `seq, type, at, clock_synced AS clockSynced, locker_id AS lockerId, parcel_id AS parcelId, data, sent_at AS sentAt`;
const toRow = (r: RawEvent): EventRow => ({ ...r, clockSynced: r.clockSynced === 1, data: JSON.parse(r.data) as Record<string, unknown> });

/** Hears each event as its transaction commits, typed by the catalogue (basics/events.ts). */
export type EventListener = (e: RecordedEvent) => void;

export class EventLog {
  private readonly insertStmt;
  private readonly afterStmt;
  private readonly unsentStmt;
  private readonly listeners = new Set<EventListener>();
  private pending: RecordedEvent[] = [];

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare<[string, number, number, string | null, string | null, string]>(
      `INSERT INTO events (type, at, clock_synced, locker_id, parcel_id, data) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.afterStmt = db.prepare<[number, number], RawEvent>(`SELECT ${COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.unsentStmt = db.prepare<[number], RawEvent>(
      `SELECT ${COLUMNS} FROM events WHERE sent_at IS NULL ORDER BY seq LIMIT ?`,
    );
  }

  /** Append inside the caller's transaction. Listeners hear of it after commit (see flush). */
  append(e: NewEvent, at: number, clockSynced: boolean): RecordedEvent {
    const data = e.data ?? {};
    const info = this.insertStmt.run(e.type, at, clockSynced ? 1 : 0, e.lockerId ?? null, e.parcelId ?? null, JSON.stringify(data));
    const row = {
      seq: Number(info.lastInsertRowid),
      type: e.type,
      at,
      clockSynced,
      lockerId: e.lockerId ?? null,
      parcelId: e.parcelId ?? null,
      data,
      sentAt: null,
    } as RecordedEvent; // (TypeScript cannot follow the pairing of type and data through the union)
    this.pending.push(row);
    return row;
  }

  /** Deliver events appended by a committed transaction to live listeners. */
  flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (const e of batch) for (const l of this.listeners) l(e);
  }

  /** Forget events of a rolled-back transaction. */
  discard(): void {
    this.pending = [];
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  after(seq: number, limit = 100): EventRow[] {
    return this.afterStmt.all(seq, limit).map(toRow);
  }

  unsent(limit: number): EventRow[] {
    return this.unsentStmt.all(limit).map(toRow);
  }

  query(filter: { type?: string; lockerId?: string; afterSeq?: number; limit?: number; newestFirst?: boolean }): EventRow[] {
    const where: string[] = ["seq > @after"];
    const params: Record<string, unknown> = { after: filter.afterSeq ?? 0, limit: filter.limit ?? 100 };
    if (filter.type) {
      // A trailing dot matches a family: "door." matches door.opened, door.closed, ...
      where.push(filter.type.endsWith(".") ? "substr(type, 1, length(@type)) = @type" : "type = @type");
      params.type = filter.type;
    }
    if (filter.lockerId) {
      where.push("locker_id = @lockerId");
      params.lockerId = filter.lockerId;
    }
    const order = filter.newestFirst ? "DESC" : "ASC";
    const sql = `SELECT ${COLUMNS} FROM events WHERE ${where.join(" AND ")} ORDER BY seq ${order} LIMIT @limit`;
    return this.db.prepare<[Record<string, unknown>], RawEvent>(sql).all(params).map(toRow);
  }

  lastSeq(): number {
    const r = this.db.prepare<[], { seq: number | null }>(`SELECT max(seq) AS seq FROM events`).get();
    return r?.seq ?? 0;
  }
}
