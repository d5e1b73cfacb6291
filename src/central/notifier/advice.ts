/** Pre-advice use cases: a carrier says who a parcel is for; the operator sees where it stands. */
import type pg from "pg";
import { LockerdError } from "../../basics/errors.js";

export interface AdviceInput {
  bankId: string;
  trackingRef: string;
  recipient: { email?: string | undefined; phone?: string | undefined; language: string };
  /** Ask for a door within a wheelchair user's reach: the bank learns it with its sync (a hint). */
  reachable?: boolean | undefined;
}

export interface AdviceView {
  bankId: string;
  trackingRef: string;
  status: "waiting" | "matched" | "expired";
  parcelId: string | null;
  language: string;
  hasEmail: boolean;
  hasPhone: boolean;
  reachable: boolean;
  createdAt: string;
  expiresAt: string;
  matchedAt: string | null;
}

const view = (r: Record<string, unknown>): AdviceView => ({
  bankId: r.bank_id as string,
  trackingRef: r.tracking_ref as string,
  status: r.status as AdviceView["status"],
  parcelId: (r.parcel_id as string | null) ?? null,
  language: r.language as string,
  hasEmail: r.email !== null,
  hasPhone: r.phone !== null,
  reachable: r.reachable === true,
  createdAt: (r.created_at as Date).toISOString(),
  expiresAt: (r.expires_at as Date).toISOString(),
  matchedAt: (r.matched_at as Date | null)?.toISOString() ?? null,
});

/**
 * Record (or update) an advice. Returns it and whether it is new. An advice still waiting
 * that asks for a reachable door, or no longer does, leaves a hint for its bank in the same
 * transaction (central.put_advice_hint); the bank pulls it with its sync.
 */
export async function submitAdvice(db: pg.Pool, a: AdviceInput, by: string, now: number, ttlHours: number): Promise<{ advice: AdviceView; created: boolean }> {
  const bank = await db.query("SELECT 1 FROM central.banks WHERE id = $1", [a.bankId]);
  if (bank.rowCount === 0) throw new LockerdError("NOT_FOUND", `no bank ${a.bankId}`, { field: "bankId" });
  const reachable = a.reachable === true;
  const c = await db.connect();
  try {
    await c.query("BEGIN");
    const before = await c.query<{ reachable: boolean }>("SELECT reachable FROM central.advice WHERE bank_id = $1 AND tracking_ref = $2 FOR UPDATE", [a.bankId, a.trackingRef]);
    const r = await c.query(
      `INSERT INTO central.advice AS x (bank_id, tracking_ref, email, phone, language, reachable, created_by, created_at, updated_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $9, $6, $7, $7, $7::timestamptz + $8 * interval '1 hour')
       ON CONFLICT (bank_id, tracking_ref) DO UPDATE SET email = excluded.email, phone = excluded.phone, language = excluded.language,
         reachable = excluded.reachable, updated_at = excluded.updated_at,
         -- a new advice for one that expired starts waiting again
         status = CASE WHEN x.status = 'expired' THEN 'waiting' ELSE x.status END,
         expires_at = CASE WHEN x.status = 'matched' THEN x.expires_at ELSE excluded.expires_at END
       RETURNING x.*, (xmax = 0) AS created`,
      [a.bankId, a.trackingRef, a.recipient.email ?? null, a.recipient.phone ?? null, a.recipient.language, by, new Date(now), ttlHours, reachable],
    );
    const row = r.rows[0] as Record<string, unknown>;
    const created = row.created === true;
    // a row another request inserted between our look and our insert: it may have asked
    const wasReachable = before.rows[0]?.reachable ?? !created;
    if (row.status === "waiting" && (reachable || wasReachable)) {
      // The service's clock decides the advice's life (expireAdvice withdraws the hint). The
      // hint's own expiry is compared with PostgreSQL's now() by the bank's pull: it gets the
      // advice's remaining life on that clock, not an instant of the service's.
      await c.query("SELECT central.put_advice_hint($1, $2, $3, now() + ($4::timestamptz - $5::timestamptz))", [a.bankId, a.trackingRef, reachable, row.expires_at, new Date(now)]);
    }
    await c.query("COMMIT");
    return { advice: view(row), created };
  } catch (e) {
    await c.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

export interface MessageView {
  kind: string;
  channel: string;
  status: string;
  attempts: number;
  dueAt: string;
  sentAt: string | null;
  lastError: string | null;
}

export async function getAdvice(db: pg.Pool, bankId: string, trackingRef: string): Promise<{ advice: AdviceView; messages: MessageView[] }> {
  const r = await db.query("SELECT * FROM central.advice WHERE bank_id = $1 AND tracking_ref = $2", [bankId, trackingRef]);
  if (r.rowCount === 0) throw new LockerdError("NOT_FOUND", `no advice for ${trackingRef} at bank ${bankId}`);
  const advice = view(r.rows[0] as Record<string, unknown>);
  const m = await db.query<{ kind: string; channel: string; status: string; attempts: number; due_at: Date; sent_at: Date | null; last_error: string | null }>(
    `SELECT kind, channel, status, attempts, due_at, sent_at, last_error FROM central.notifications
     WHERE bank_id = $1 AND tracking_ref = $2 ORDER BY id`,
    [bankId, trackingRef],
  );
  return {
    advice,
    messages: m.rows.map((x) => ({
      kind: x.kind,
      channel: x.channel,
      status: x.status,
      attempts: x.attempts,
      dueAt: x.due_at.toISOString(),
      sentAt: x.sent_at?.toISOString() ?? null,
      lastError: x.last_error,
    })),
  };
}

/** Parcels stored at a bank (or every bank) that no advice names: they wait for one. */
export async function unadvisedParcels(db: pg.Pool, bankId: string | undefined, limit: number) {
  const r = await db.query<{ bank_id: string; parcel_id: string; tracking_ref: string | null; stored_at: Date | null; expires_at: Date | null }>(
    `SELECT p.bank_id, p.parcel_id, p.tracking_ref, p.stored_at, p.expires_at FROM central.parcels p
     WHERE p.status = 'STORED' AND ($1::text IS NULL OR p.bank_id = $1)
       AND NOT EXISTS (SELECT 1 FROM central.advice a WHERE a.bank_id = p.bank_id AND a.tracking_ref = p.tracking_ref)
     ORDER BY p.stored_at LIMIT $2`,
    [bankId ?? null, limit],
  );
  return r.rows.map((x) => ({
    bankId: x.bank_id,
    parcelId: x.parcel_id,
    trackingRef: x.tracking_ref,
    storedAt: x.stored_at?.toISOString() ?? null,
    expiresAt: x.expires_at?.toISOString() ?? null,
    advice: "waiting" as const,
  }));
}

export async function deadLetters(db: pg.Pool, limit: number) {
  const r = await db.query<{ id: string; bank_id: string; parcel_id: string; tracking_ref: string; kind: string; channel: string; attempts: number; last_error: string | null; updated_at: Date }>(
    `SELECT id, bank_id, parcel_id, tracking_ref, kind, channel, attempts, last_error, updated_at FROM central.notifications
     WHERE status = 'dead' ORDER BY updated_at DESC LIMIT $1`,
    [limit],
  );
  return r.rows.map((x) => ({
    id: Number(x.id),
    bankId: x.bank_id,
    parcelId: x.parcel_id,
    trackingRef: x.tracking_ref,
    kind: x.kind,
    channel: x.channel,
    attempts: x.attempts,
    lastError: x.last_error,
    deadSince: x.updated_at.toISOString(),
  }));
}

/** A dead-lettered message is tried again, from its first attempt. */
export async function retryDead(db: pg.Pool, id: number, now: number): Promise<void> {
  const r = await db.query("UPDATE central.notifications SET status = 'pending', attempts = 0, due_at = $2, updated_at = $2 WHERE id = $1 AND status = 'dead'", [id, new Date(now)]);
  if (r.rowCount === 0) throw new LockerdError("NOT_FOUND", `no dead-lettered message ${id}`);
}
