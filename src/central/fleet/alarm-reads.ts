/**
 * The fleet's open alarms: those the banks' events left open, and "offline" for a bank not heard
 * from in time. Clearing one is ./alarm-clearing.ts.
 */
import { iso, type FleetSettings, type Queryable } from "./queries.js";

export interface Alarm {
  /** This opening of the alarm (a new id when it opens again after a clear); null for "offline", which is not stored. */
  id: number | null;
  bankId: string;
  kind: string;
  lockerId: string | null;
  raisedAt: string;
  lastAt: string;
  raises: number;
  data: Record<string, unknown>;
  clearedAt: string | null;
}

export interface AlarmRow {
  id: string | null;
  bank_id: string;
  kind: string;
  locker_id: string;
  raised_at: Date;
  last_at: Date;
  raises: number;
  data: Record<string, unknown>;
  cleared_at: Date | null;
}

export const alarm = (r: AlarmRow): Alarm => ({
  id: r.id === null ? null : Number(r.id),
  bankId: r.bank_id,
  kind: r.kind,
  lockerId: r.locker_id === "" ? null : r.locker_id,
  raisedAt: r.raised_at.toISOString(),
  lastAt: r.last_at.toISOString(),
  raises: r.raises,
  data: r.data,
  clearedAt: iso(r.cleared_at),
});

/**
 * Open alarms, newest first: those the events left open, and "offline" for every bank not heard
 * from in time (not stored: it is the absence of news). Of one bank when bankId is given.
 */
export async function openAlarms(db: Queryable, s: FleetSettings, q: { bankId?: string | undefined; limit: number }): Promise<Alarm[]> {
  const params: unknown[] = [s.offlineAfterMs, q.limit];
  let bankFilter = "";
  if (q.bankId !== undefined) {
    params.push(q.bankId);
    bankFilter = `AND x.bank_id = $3`;
  }
  const r = await db.query<AlarmRow>(
    `SELECT * FROM (
       SELECT a.id, a.bank_id, a.kind, a.locker_id, a.raised_at, a.last_at, a.raises, a.data, a.cleared_at
       FROM central.alarms a WHERE a.cleared_at IS NULL
       UNION ALL
       SELECT NULL, b.id, 'offline', '', seen.at, seen.at, 1, jsonb_build_object('lastSeenAt', seen.at), NULL
       FROM central.banks b LEFT JOIN central.bank_status s ON s.bank_id = b.id
       CROSS JOIN LATERAL (SELECT COALESCE(GREATEST(b.last_sync_at, s.reported_at), b.created_at) AS at) seen
       WHERE seen.at <= now() - $1 * interval '1 millisecond'
     ) x WHERE true ${bankFilter}
     ORDER BY x.last_at DESC, x.bank_id, x.kind, x.locker_id LIMIT $2`,
    params,
  );
  return r.rows.map(alarm);
}
