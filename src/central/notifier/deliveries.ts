/**
 * The delivery rows (central.notifications): planned when an advice meets its stored parcel,
 * claimed by any instance with FOR UPDATE SKIP LOCKED, finished once. Times come from the
 * caller's clock ($now), so tests can run the calendar forward.
 */
import type pg from "pg";
import type { Channel, MessageKind } from "./templates.js";

type Db = pg.ClientBase | pg.Pool;
const ts = (ms: number) => new Date(ms);

/**
 * Advice never matched by its deadline expires; one that asked for a reachable door withdraws
 * its hint, so the banks follow this clock rather than the hint's own expiry on PostgreSQL's
 * (see submitAdvice). The withdrawal is handed out for a day. Returns how many expired.
 */
export async function expireAdvice(db: Db, now: number): Promise<number> {
  const r = await db.query<{ n: number }>(
    `WITH e AS (
       UPDATE central.advice SET status = 'expired', updated_at = $1 WHERE status = 'waiting' AND expires_at <= $1
       RETURNING bank_id, tracking_ref, reachable
     ), w AS (
       SELECT central.put_advice_hint(bank_id, tracking_ref, false, now() + interval '1 day') FROM e WHERE reachable
     )
     SELECT (SELECT count(*) FROM e)::int AS n, (SELECT count(*) FROM w) AS withdrawn`,
    [ts(now)],
  );
  return r.rows[0]!.n;
}

/**
 * Waiting advice whose parcel is now stored at its bank: matched, and its messages planned
 * (stored now, reminder before the deadline, expired at the deadline; one row per channel the
 * recipient has). Safe to run on every instance at once: the rows are unique.
 */
export async function planMatches(db: Db, now: number, reminderHoursBefore: number): Promise<number> {
  const r = await db.query(
    `WITH m AS (
       UPDATE central.advice a SET status = 'matched', parcel_id = p.parcel_id, matched_at = $1, updated_at = $1
       FROM central.parcels p
       WHERE a.status = 'waiting' AND p.bank_id = a.bank_id AND p.tracking_ref = a.tracking_ref AND p.stored_at IS NOT NULL
       RETURNING a.bank_id, a.tracking_ref, a.parcel_id, a.email, a.phone, p.expires_at
     ), ch AS (
       SELECT m.*, c.channel FROM m CROSS JOIN LATERAL (VALUES ('email', m.email IS NOT NULL), ('sms', m.phone IS NOT NULL)) c(channel, has)
       WHERE c.has
     ), planned AS (
       SELECT ch.bank_id, ch.parcel_id, ch.tracking_ref, k.kind, ch.channel,
              CASE k.kind WHEN 'stored' THEN $1
                          WHEN 'reminder' THEN COALESCE(ch.expires_at - $2 * interval '1 hour', $1)
                          ELSE COALESCE(ch.expires_at, $1) END AS due_at
       FROM ch CROSS JOIN (VALUES ('stored'), ('reminder'), ('expired')) k(kind)
     )
     INSERT INTO central.notifications (bank_id, parcel_id, tracking_ref, kind, channel, due_at, status, updated_at)
     -- a reminder already due at planning time would follow the "stored" message at once: none
     SELECT bank_id, parcel_id, tracking_ref, kind, channel, due_at,
            CASE WHEN kind = 'reminder' AND due_at <= $1 THEN 'skipped' ELSE 'pending' END, $1
     FROM planned
     ON CONFLICT (bank_id, parcel_id, kind, channel) DO NOTHING`,
    [ts(now), reminderHoursBefore],
  );
  return r.rowCount ?? 0;
}

/**
 * Returns the banks reported stored (central.returns, filled from return.stored events) whose
 * confirmation is not planned yet: one message per channel the pass's customer gave, due now.
 * A return whose pass names no one (or that this center did not issue) is marked planned with
 * nothing to send. Safe on every instance at once: the rows are unique.
 */
export async function planReturns(db: Db, now: number): Promise<number> {
  const r = await db.query(
    `WITH r AS (
       UPDATE central.returns r SET planned_at = $1
       WHERE (r.bank_id, r.parcel_id) IN (SELECT x.bank_id, x.parcel_id FROM central.returns x WHERE x.planned_at IS NULL
                                          ORDER BY x.stored_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
       RETURNING r.bank_id, r.parcel_id, r.pass_id, r.reference
     )
     INSERT INTO central.notifications (bank_id, parcel_id, tracking_ref, kind, channel, due_at, status, updated_at, pass_id)
     SELECT r.bank_id, r.parcel_id, COALESCE(r.reference, p.reference), 'return_stored', c.channel, $1, 'pending', $1, r.pass_id
     FROM r JOIN central.passes p ON p.pass_id = r.pass_id AND p.kind = 'return'
     CROSS JOIN LATERAL (VALUES ('email', p.email IS NOT NULL), ('sms', p.phone IS NOT NULL)) c(channel, has)
     WHERE c.has
     ON CONFLICT (bank_id, parcel_id, kind, channel) DO NOTHING`,
    [ts(now)],
  );
  return r.rowCount ?? 0;
}

export interface ClaimedMessage {
  id: number;
  bankId: string;
  parcelId: string;
  trackingRef: string;
  kind: MessageKind;
  channel: Channel;
  attempts: number;
  /** The deadline a sent message spoke of (reminders), or null. */
  sentDeadline: Date | null;
  parcelStatus: string | null;
  expiresAt: Date | null;
  sealedCodes: unknown;
  email: string | null;
  phone: string | null;
  language: string;
  bankName: string;
  address: string | null;
  timeZone: string;
}

/** Claim up to `limit` due messages for `leaseMs`; each comes with what its message needs. */
export async function claimDue(db: Db, now: number, instance: string, leaseMs: number, limit: number): Promise<ClaimedMessage[]> {
  const r = await db.query(
    `WITH c AS (
       UPDATE central.notifications n SET status = 'sending', claimed_by = $2, due_at = $1::timestamptz + $3 * interval '1 millisecond',
              attempts = n.attempts + 1, updated_at = $1
       WHERE n.id IN (SELECT o.id FROM central.notifications o
                      WHERE o.status IN ('pending', 'sending') AND o.due_at <= $1
                      ORDER BY o.due_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING n.*
     )
     SELECT c.id, c.bank_id, c.parcel_id, c.tracking_ref, c.kind, c.channel, c.attempts, c.deadline,
            p.status AS parcel_status, p.expires_at, p.sealed_codes,
            -- a return's confirmation goes to the customer its pass names (migration 6)
            COALESCE(a.email, ps.email) AS email, COALESCE(a.phone, ps.phone) AS phone, COALESCE(a.language, ps.language) AS language,
            COALESCE(b.display_name, b.id) AS bank_name, b.address, b.time_zone
     FROM c
     JOIN central.banks b ON b.id = c.bank_id
     LEFT JOIN central.parcels p ON p.bank_id = c.bank_id AND p.parcel_id = c.parcel_id
     LEFT JOIN central.advice a ON c.pass_id IS NULL AND a.bank_id = c.bank_id AND a.tracking_ref = c.tracking_ref
     LEFT JOIN central.passes ps ON ps.pass_id = c.pass_id
     ORDER BY c.id`,
    [ts(now), instance, leaseMs, limit],
  );
  return r.rows.map((x: Record<string, unknown>) => ({
    id: Number(x.id),
    bankId: x.bank_id as string,
    parcelId: x.parcel_id as string,
    trackingRef: x.tracking_ref as string,
    kind: x.kind as MessageKind,
    channel: x.channel as Channel,
    attempts: x.attempts as number,
    sentDeadline: (x.deadline as Date | null) ?? null,
    parcelStatus: (x.parcel_status as string | null) ?? null,
    expiresAt: (x.expires_at as Date | null) ?? null,
    sealedCodes: x.sealed_codes,
    email: (x.email as string | null) ?? null,
    phone: (x.phone as string | null) ?? null,
    language: (x.language as string | null) ?? "en",
    bankName: x.bank_name as string,
    address: (x.address as string | null) ?? null,
    timeZone: x.time_zone as string,
  }));
}

export type Finish =
  | { status: "sent"; deadline: Date | null; messageId: string }
  | { status: "retry"; at: number; error: string }
  | { status: "dead"; error: string }
  | { status: "skipped"; reason: string }
  /** Not this message's time yet (a deadline moved): due again then, the attempt not counted. */
  | { status: "later"; at: number };

/**
 * Close a claimed message. Only the claim's holder may (claimed_by and status 'sending'):
 * false means the lease ran out and another instance claimed it meanwhile.
 */
export async function finish(db: Db, id: number, instance: string, now: number, f: Finish): Promise<boolean> {
  const where = "WHERE id = $1 AND claimed_by = $2 AND status = 'sending'";
  let r: pg.QueryResult;
  switch (f.status) {
    case "sent":
      r = await db.query(`UPDATE central.notifications SET status = 'sent', sent_at = $3, deadline = $4, message_id = $5, last_error = NULL, updated_at = $3 ${where}`, [
        id,
        instance,
        ts(now),
        f.deadline,
        f.messageId,
      ]);
      break;
    case "retry":
      r = await db.query(`UPDATE central.notifications SET status = 'pending', due_at = $3, last_error = $4, updated_at = $5 ${where}`, [id, instance, ts(f.at), f.error.slice(0, 500), ts(now)]);
      break;
    case "dead":
      r = await db.query(`UPDATE central.notifications SET status = 'dead', last_error = $3, updated_at = $4 ${where}`, [id, instance, f.error.slice(0, 500), ts(now)]);
      break;
    case "skipped":
      r = await db.query(`UPDATE central.notifications SET status = 'skipped', last_error = $3, updated_at = $4 ${where}`, [id, instance, f.reason.slice(0, 500), ts(now)]);
      break;
    case "later":
      r = await db.query(`UPDATE central.notifications SET status = 'pending', due_at = $3, attempts = attempts - 1, updated_at = $4 ${where}`, [id, instance, ts(f.at), ts(now)]);
      break;
  }
  return (r.rowCount ?? 0) > 0;
}

/**
 * The deadline moved later than the one a reminder was sent (or skipped) for: remind again
 * before the new one. (Reminders follow new deadlines.)
 */
export async function rearmReminder(db: Db, m: Pick<ClaimedMessage, "bankId" | "parcelId" | "channel">, deadline: Date, now: number, hoursBefore: number): Promise<void> {
  await db.query(
    `UPDATE central.notifications SET status = 'pending', attempts = 0, last_error = NULL, updated_at = $5,
            due_at = GREATEST($4::timestamptz - $6 * interval '1 hour', $5::timestamptz)
     WHERE bank_id = $1 AND parcel_id = $2 AND channel = $3 AND kind = 'reminder'
       AND status IN ('sent', 'skipped') AND (deadline IS NULL OR deadline < $4)`,
    [m.bankId, m.parcelId, m.channel, deadline, ts(now), hoursBefore],
  );
}
