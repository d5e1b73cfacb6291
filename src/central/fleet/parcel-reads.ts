/**
 * A bank's lockers and parcels as the center holds them, and the parcels of a tracking ref with
 * their events; never a pickup code or token.
 */
import { iso, type Queryable } from "./queries.js";

export interface CentralLocker {
  id: string;
  size: string | null;
  status: string;
  serviceReason: string | null;
  parcelId: string | null;
  statusAt: string | null;
  lastEventType: string | null;
  lastEventAt: string | null;
}

export async function bankLockers(db: Queryable, bankId: string): Promise<CentralLocker[]> {
  const r = await db.query<{
    locker_id: string;
    size: string | null;
    status: string;
    service_reason: string | null;
    parcel_id: string | null;
    status_at: Date | null;
    last_event_type: string | null;
    last_event_at: Date | null;
  }>(
    `SELECT locker_id, size, status, service_reason, parcel_id, status_at, last_event_type, last_event_at
     FROM central.lockers WHERE bank_id = $1 ORDER BY locker_id`,
    [bankId],
  );
  return r.rows.map((x) => ({
    id: x.locker_id,
    size: x.size,
    status: x.status,
    serviceReason: x.service_reason,
    parcelId: x.parcel_id,
    statusAt: iso(x.status_at),
    lastEventType: x.last_event_type,
    lastEventAt: iso(x.last_event_at),
  }));
}

export interface CentralParcel {
  bankId: string;
  id: string;
  trackingRef: string | null;
  lockerId: string | null;
  size: string | null;
  lockerSize: string | null;
  status: string;
  statusAt: string | null;
  expiresAt: string | null;
  assignedAt: string | null;
  storedAt: string | null;
  pickedUpAt: string | null;
  expiredAt: string | null;
  cancelledAt: string | null;
}

interface ParcelRow {
  bank_id: string;
  parcel_id: string;
  tracking_ref: string | null;
  locker_id: string | null;
  size: string | null;
  locker_size: string | null;
  status: string;
  status_at: Date | null;
  expires_at: Date | null;
  assigned_at: Date | null;
  stored_at: Date | null;
  picked_up_at: Date | null;
  expired_at: Date | null;
  cancelled_at: Date | null;
}

// Never the pickup code or token: the fleet API is no way to learn how to open a locker.
const PARCEL_COLUMNS = `bank_id, parcel_id, tracking_ref, locker_id, size, locker_size, status, status_at, expires_at,
  assigned_at, stored_at, picked_up_at, expired_at, cancelled_at`;

const parcel = (x: ParcelRow): CentralParcel => ({
  bankId: x.bank_id,
  id: x.parcel_id,
  trackingRef: x.tracking_ref,
  lockerId: x.locker_id,
  size: x.size,
  lockerSize: x.locker_size,
  status: x.status,
  statusAt: iso(x.status_at),
  expiresAt: iso(x.expires_at),
  assignedAt: iso(x.assigned_at),
  storedAt: iso(x.stored_at),
  pickedUpAt: iso(x.picked_up_at),
  expiredAt: iso(x.expired_at),
  cancelledAt: iso(x.cancelled_at),
});

export const PARCEL_STATUSES = ["ASSIGNED", "STORED", "PICKED_UP", "EXPIRED", "CANCELLED"] as const;

/** A bank's parcels, newest status change first; by default the live ones (assigned or stored). */
export async function bankParcels(
  db: Queryable,
  bankId: string,
  q: { statuses: readonly string[]; limit: number },
): Promise<CentralParcel[]> {
  const r = await db.query<ParcelRow>(
    `SELECT ${PARCEL_COLUMNS} FROM central.parcels WHERE bank_id = $1 AND status = ANY($2::text[])
     ORDER BY status_seq DESC LIMIT $3`,
    [bankId, q.statuses, q.limit],
  );
  return r.rows.map(parcel);
}

export interface ParcelHistoryEntry {
  seq: number;
  type: string;
  at: string;
  clockSynced: boolean;
  lockerId: string | null;
  data: Record<string, unknown>;
}

/** Parcels with this tracking ref (a ref may have been used at several banks), each with its events. */
export async function parcelsByTrackingRef(db: Queryable, ref: string, limit: number): Promise<(CentralParcel & { history: ParcelHistoryEntry[] })[]> {
  const r = await db.query<ParcelRow>(`SELECT ${PARCEL_COLUMNS} FROM central.parcels WHERE tracking_ref = $1 ORDER BY assigned_at DESC NULLS LAST LIMIT $2`, [ref, limit]);
  const out: (CentralParcel & { history: ParcelHistoryEntry[] })[] = [];
  for (const p of r.rows) {
    const h = await db.query<{ seq: string; type: string; at: Date; clock_synced: boolean; locker_id: string | null; data: Record<string, unknown> }>(
      `SELECT seq, type, at, clock_synced, locker_id, data FROM central.events
       WHERE bank_id = $1 AND parcel_id = $2 ORDER BY seq LIMIT 500`,
      [p.bank_id, p.parcel_id],
    );
    out.push({
      ...parcel(p),
      history: h.rows.map((e) => ({ seq: Number(e.seq), type: e.type, at: e.at.toISOString(), clockSynced: e.clock_synced, lockerId: e.locker_id, data: e.data })),
    });
  }
  return out;
}
