/**
 * An operator clears (acknowledges) an open alarm (central migration 11): it leaves the fleet's
 * open alarms, the clear is recorded with the token's name and a note, and what the bank did is
 * untouched. A later raise by the bank (an event newer than the alarm's last) opens it again under
 * a new id; an older event arriving late does not.
 */
import { LockerdError } from "../../basics/errors.js";
import { alarm, type Alarm, type AlarmRow } from "./alarm-reads.js";
import type { Queryable } from "./queries.js";

export interface AlarmDetail extends Alarm {
  /** The operator token's name that cleared it; null when open or cleared by the bank's own event. */
  clearedBy: string | null;
  clearNote: string | null;
}

export interface AlarmClearing {
  alarmId: number;
  bankId: string;
  kind: string;
  lockerId: string | null;
  raisedAt: string;
  clearedAt: string;
  clearedBy: string;
  note: string;
  /** The id of the same bank, kind and locker's alarm open now, if it was raised again since. */
  openNowAs: number | null;
}

interface DetailRow extends AlarmRow {
  cleared_by: string | null;
  clear_note: string | null;
}

const COLUMNS = `a.id, a.bank_id, a.kind, a.locker_id, a.raised_at, a.last_at, a.raises, a.data, a.cleared_at, a.cleared_by, a.clear_note`;

const detail = (r: DetailRow): AlarmDetail => ({ ...alarm(r), clearedBy: r.cleared_by, clearNote: r.clear_note });

/**
 * The alarm with this id, open or cleared: the row of central.alarms that has it now, else the
 * earlier opening kept when the row opened again (central migration 12); null for an id no alarm
 * ever had (or one reopened before migration 12).
 */
export async function getAlarm(db: Queryable, id: number): Promise<AlarmDetail | null> {
  const r = await db.query<DetailRow>(
    `SELECT ${COLUMNS} FROM central.alarms a WHERE a.id = $1
     UNION ALL
     SELECT ${COLUMNS} FROM central.alarm_openings a WHERE a.id = $1
     LIMIT 1`,
    [id],
  );
  return r.rows[0] ? detail(r.rows[0]) : null;
}

/**
 * Clear the open alarm `id`, recorded as cleared by `by` with `note`. One statement: the row's
 * lock orders it with ingest, and a row that opened again meanwhile has a new id, so only the
 * opening the operator saw can be cleared. NOT_FOUND for an id no alarm ever had; INVALID_STATE
 * (409) for one already cleared: by whom and when, and the id of the same alarm open now if it
 * was raised again.
 */
export async function clearAlarm(db: Queryable, q: { id: number; by: string; note: string }): Promise<AlarmDetail> {
  const r = await db.query<DetailRow>(
    `WITH c AS (
       UPDATE central.alarms a SET cleared_at = now(), cleared_by = $2, clear_note = $3
       WHERE a.id = $1 AND a.cleared_at IS NULL
       RETURNING ${COLUMNS}, a.raised_seq, a.last_seq
     ), logged AS (
       INSERT INTO central.alarm_clearings (alarm_id, bank_id, kind, locker_id, raised_seq, raised_at, last_seq, cleared_at, cleared_by, note)
       SELECT c.id, c.bank_id, c.kind, c.locker_id, c.raised_seq, c.raised_at, c.last_seq, c.cleared_at, c.cleared_by, c.clear_note FROM c
     )
     SELECT * FROM c`,
    [q.id, q.by, q.note],
  );
  if (r.rows[0]) return detail(r.rows[0]);
  return await whyNotClearable(db, q.id);
}

interface PastRow extends DetailRow {
  cleared_seq: string | null;
  open_now_as: string | null;
}

/** Why `id` could not be cleared: 409 when an alarm had it (open no more: by whom, when, and the newer opening), else 404. */
async function whyNotClearable(db: Queryable, id: number): Promise<never> {
  const r = await db.query<PastRow>(
    `SELECT x.*, (SELECT o.id FROM central.alarms o WHERE o.bank_id = x.bank_id AND o.kind = x.kind AND o.locker_id = x.locker_id
                                                     AND o.cleared_at IS NULL AND o.id <> x.id) AS open_now_as
     FROM (SELECT ${COLUMNS}, a.cleared_seq FROM central.alarms a WHERE a.id = $1
           UNION ALL
           SELECT ${COLUMNS}, a.cleared_seq FROM central.alarm_openings a WHERE a.id = $1) x
     LIMIT 1`,
    [id],
  );
  const was = r.rows[0];
  if (was) {
    const a = detail(was);
    const clearedSeq = was.cleared_seq === null ? null : Number(was.cleared_seq);
    const openNowAs = was.open_now_as === null ? null : Number(was.open_now_as);
    const by = a.clearedBy !== null ? `by ${a.clearedBy}` : clearedSeq !== null ? `by the bank's own event (seq ${clearedSeq})` : "by the bank's status report";
    const again = openNowAs === null ? "" : `; raised again since as alarm ${openNowAs}`;
    throw new LockerdError("INVALID_STATE", `alarm ${id} was already cleared at ${a.clearedAt} ${by}${again}`, {
      id,
      clearedAt: a.clearedAt,
      clearedBy: a.clearedBy,
      clearedSeq,
      openNowAs,
    });
  }
  // reopened before migration 12 kept openings: only an operator's clear of it is known
  const logged = await clearings(db, { alarmId: id, limit: 1 });
  const cleared = logged[0];
  if (cleared) {
    const again = cleared.openNowAs === null ? "" : `; raised again since as alarm ${cleared.openNowAs}`;
    throw new LockerdError("INVALID_STATE", `alarm ${id} was already cleared at ${cleared.clearedAt} by ${cleared.clearedBy}${again}`, {
      id,
      clearedAt: cleared.clearedAt,
      clearedBy: cleared.clearedBy,
      openNowAs: cleared.openNowAs,
    });
  }
  throw new LockerdError("NOT_FOUND", `no alarm ${id}`, { id });
}

interface ClearingRow {
  alarm_id: string;
  bank_id: string;
  kind: string;
  locker_id: string;
  raised_at: Date;
  cleared_at: Date;
  cleared_by: string;
  note: string;
  open_now_as: string | null;
}

/** Operators' clears, newest first: of one bank, or of one alarm id. */
export async function clearings(db: Queryable, q: { bankId?: string | undefined; alarmId?: number; limit: number }): Promise<AlarmClearing[]> {
  const params: unknown[] = [q.limit];
  const where: string[] = [];
  if (q.bankId !== undefined) where.push(`l.bank_id = $${params.push(q.bankId)}`);
  if (q.alarmId !== undefined) where.push(`l.alarm_id = $${params.push(q.alarmId)}`);
  const r = await db.query<ClearingRow>(
    `SELECT l.alarm_id, l.bank_id, l.kind, l.locker_id, l.raised_at, l.cleared_at, l.cleared_by, l.note,
            (SELECT a.id FROM central.alarms a WHERE a.bank_id = l.bank_id AND a.kind = l.kind AND a.locker_id = l.locker_id
                                                 AND a.cleared_at IS NULL AND a.id <> l.alarm_id) AS open_now_as
     FROM central.alarm_clearings l ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY l.id DESC LIMIT $1`,
    params,
  );
  return r.rows.map((x) => ({
    alarmId: Number(x.alarm_id),
    bankId: x.bank_id,
    kind: x.kind,
    lockerId: x.locker_id === "" ? null : x.locker_id,
    raisedAt: x.raised_at.toISOString(),
    clearedAt: x.cleared_at.toISOString(),
    clearedBy: x.cleared_by,
    note: x.note,
    openNowAs: x.open_now_as === null ? null : Number(x.open_now_as),
  }));
}
