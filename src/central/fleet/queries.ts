/**
 * The operator's questions about the fleet, answered from the central schema: banks and whether
 * they are online, open alarms, a bank's lockers and parcels, a parcel by tracking ref with its
 * history, free lockers per size. The only SQL of the fleet API; no HTTP here (the routes in
 * ./routes.ts call these, tests call them directly).
 */
import { lockerHealthReport } from "./views.js";
import type pg from "pg";

/** SQL text, or a named statement (prepared once per connection). */
export type QueryText = string | { name: string; text: string; values: unknown[] };

export interface Queryable {
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: QueryText, params?: unknown[]): Promise<pg.QueryResult<T>>;
}

export interface FleetSettings {
  /** A bank not heard from (events or status report) for this long is offline. */
  offlineAfterMs: number;
  /** Locker sizes smallest first: a parcel of one size fits the larger ones ("fits" queries). */
  sizes: readonly string[];
}

export const LOCKER_STATUSES = ["AVAILABLE", "RESERVED", "OCCUPIED", "OUT_OF_SERVICE", "UNKNOWN"] as const;

/** Lockers by size, then status ("" is a size not known yet). */
export type Occupancy = Record<string, Partial<Record<string, number>>>;

export interface BankSummary {
  id: string;
  online: boolean;
  lastSeenAt: string | null;
  lastEventAt: string | null;
  lastSyncAt: string | null;
  lastSeq: number;
  /** Events waiting at the bank, as it last reported. */
  backlog: number | null;
  /** Age of the oldest event waiting at the bank when it last reported (0 when none). */
  syncLagMs: number | null;
  /** Landed at the center and not projected yet (central migration 9). */
  projectionLag: { events: number; since: string | null };
  softwareVersion: string | null;
  clockSynced: boolean | null;
  /** The bank's clock minus the center's when it last reported. */
  clockOffsetMs: number | null;
  lastError: string | null;
  openAlarms: number;
  occupancy: Occupancy;
  /** The bank's compartment health as it last reported it (central migration 7); null before. */
  lockerHealth: LockerHealthReport | null;
}

export interface LockerHealthReport {
  threshold: number;
  lockers: number;
  below: number;
  worst: { lockerId: string; score: number; jams: number; cycles: number }[];
}

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

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

interface BankRow {
  id: string;
  last_seq: string;
  landed_seq: string;
  landed_since: Date | null;
  last_event_at: Date | null;
  last_sync_at: Date | null;
  last_seen_at: Date | null;
  online: boolean;
  backlog: string | null;
  lag_ms: number | null;
  software_version: string | null;
  clock_synced: boolean | null;
  clock_offset_ms: number | null;
  last_error: string | null;
  open_alarms: number;
  occupancy: Occupancy | null;
  locker_health: unknown;
}

/** One statement for one bank or a page of banks; $1 = offline after (ms). */
const BANK_SELECT = `
  SELECT b.id, b.last_seq, b.landed_seq, b.last_event_at,
         (SELECT min(l.landed_at) FROM central.landed_batches l WHERE l.bank_id = b.id) AS landed_since, b.last_sync_at, seen.at AS last_seen_at,
         COALESCE(seen.at > now() - $1 * interval '1 millisecond', false) AS online,
         s.backlog, s.software_version, s.clock_synced, s.last_error, s.locker_health,
         CASE WHEN s.backlog = 0 THEN 0 WHEN s.oldest_unsent_at IS NOT NULL AND s.bank_time IS NOT NULL
              THEN GREATEST(0, extract(epoch FROM s.bank_time - s.oldest_unsent_at) * 1000)::float8 END AS lag_ms,
         (extract(epoch FROM s.bank_time - s.reported_at) * 1000)::float8 AS clock_offset_ms,
         (SELECT count(*)::int FROM central.alarms a WHERE a.bank_id = b.id AND a.cleared_at IS NULL) AS open_alarms,
         (SELECT jsonb_object_agg(o.size, o.by_status) FROM (
            SELECT c.size, jsonb_object_agg(c.status, c.n) AS by_status FROM central.locker_counts c
            WHERE c.bank_id = b.id AND c.n > 0 GROUP BY c.size) o) AS occupancy
  FROM central.banks b
  LEFT JOIN central.bank_status s ON s.bank_id = b.id
  CROSS JOIN LATERAL (SELECT GREATEST(b.last_sync_at, s.reported_at) AS at) seen`;

function bankSummary(r: BankRow): BankSummary {
  return {
    id: r.id,
    online: r.online,
    lastSeenAt: iso(r.last_seen_at),
    lastEventAt: iso(r.last_event_at),
    lastSyncAt: iso(r.last_sync_at),
    lastSeq: Number(r.last_seq),
    backlog: r.backlog === null ? null : Number(r.backlog),
    syncLagMs: r.lag_ms === null ? null : Math.round(r.lag_ms),
    projectionLag: { events: Math.max(0, Number(r.landed_seq) - Number(r.last_seq)), since: iso(r.landed_since) },
    softwareVersion: r.software_version,
    clockSynced: r.clock_synced,
    clockOffsetMs: r.clock_offset_ms === null ? null : Math.round(r.clock_offset_ms),
    lastError: r.last_error,
    openAlarms: r.open_alarms,
    occupancy: r.occupancy ?? {},
    lockerHealth: lockerHealthOf(r.locker_health),
  };
}

export interface BankListQuery {
  /** Banks with ids after this one (paging in id order). */
  after?: string | undefined;
  limit: number;
  /** Only the banks offline, or with open alarms, or either ("attention"). */
  only?: "offline" | "alarms" | "attention" | undefined;
}

export async function listBanks(db: Queryable, s: FleetSettings, q: BankListQuery): Promise<BankSummary[]> {
  const where: string[] = [];
  const params: unknown[] = [s.offlineAfterMs];
  if (q.after !== undefined) {
    params.push(q.after);
    where.push(`b.id > $${params.length}`);
  }
  const offline = `NOT COALESCE(seen.at > now() - $1 * interval '1 millisecond', false)`;
  const alarmed = `EXISTS (SELECT 1 FROM central.alarms a WHERE a.bank_id = b.id AND a.cleared_at IS NULL)`;
  if (q.only === "offline") where.push(offline);
  if (q.only === "alarms") where.push(alarmed);
  if (q.only === "attention") where.push(`(${offline} OR ${alarmed})`);
  params.push(q.limit);
  const r = await db.query<BankRow>(`${BANK_SELECT} ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY b.id LIMIT $${params.length}`, params);
  return r.rows.map(bankSummary);
}

export async function getBank(db: Queryable, s: FleetSettings, bankId: string): Promise<BankSummary | null> {
  const r = await db.query<BankRow>(`${BANK_SELECT} WHERE b.id = $2`, [s.offlineAfterMs, bankId]);
  return r.rows[0] ? bankSummary(r.rows[0]) : null;
}

export interface FleetSummary {
  banks: number;
  online: number;
  offline: number;
  withAlarms: number;
  openAlarms: number;
}

export async function fleetSummary(db: Queryable, s: FleetSettings): Promise<FleetSummary> {
  const r = await db.query<{ banks: number; online: number; with_alarms: number; open_alarms: number }>(
    `SELECT (SELECT count(*)::int FROM central.banks) AS banks,
            (SELECT count(*)::int FROM central.banks b LEFT JOIN central.bank_status s ON s.bank_id = b.id
             WHERE GREATEST(b.last_sync_at, s.reported_at) > now() - $1 * interval '1 millisecond') AS online,
            (SELECT count(DISTINCT a.bank_id)::int FROM central.alarms a WHERE a.cleared_at IS NULL) AS with_alarms,
            (SELECT count(*)::int FROM central.alarms a WHERE a.cleared_at IS NULL) AS open_alarms`,
    [s.offlineAfterMs],
  );
  const x = r.rows[0]!;
  return { banks: x.banks, online: x.online, offline: x.banks - x.online, withAlarms: x.with_alarms, openAlarms: x.open_alarms };
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

export interface BankAvailability {
  bankId: string;
  /** Free lockers by size (sizes with none free are 0 when the bank has such lockers). */
  free: Record<string, number>;
}

/** Free lockers per size of one bank, from the maintained counts (a few key lookups). */
export async function bankAvailability(db: Queryable, bankId: string): Promise<BankAvailability> {
  const r = await db.query<{ size: string; free: number }>(
    `SELECT size, sum(n) FILTER (WHERE status = 'AVAILABLE')::int AS free FROM central.locker_counts
     WHERE bank_id = $1 AND size <> '' GROUP BY size ORDER BY size`,
    [bankId],
  );
  return { bankId, free: Object.fromEntries(r.rows.map((x) => [x.size, x.free ?? 0])) };
}

/** The sizes a parcel of `size` fits: itself and the larger ones (just itself when unknown). */
export function sizesThatFit(settings: FleetSettings, size: string): string[] {
  const i = settings.sizes.indexOf(size);
  return i < 0 ? [size] : settings.sizes.slice(i);
}

export interface FreeAt {
  bankId: string;
  /** Free lockers of the sizes asked for. */
  free: number;
}

/**
 * "Which of these banks has a free M now": the banks among `bankIds` (or of the whole fleet,
 * up to `limit`, when none are named) with free lockers of the given sizes, and how many.
 * Key lookups on the count table's partial index; no locker is read.
 */
export async function banksWithFree(db: Queryable, q: { sizes: readonly string[]; bankIds?: readonly string[] | undefined; limit: number }): Promise<FreeAt[]> {
  // Named, so each connection parses and plans it once: the hottest read of the fleet API.
  const r =
    q.bankIds !== undefined
      ? await db.query<{ bank_id: string; free: number }>({
          name: "fleet-free-at-banks",
          text: `SELECT bank_id, sum(n)::int AS free FROM central.locker_counts
           WHERE bank_id = ANY($1::text[]) AND size = ANY($2::text[]) AND status = 'AVAILABLE' AND n > 0
           GROUP BY bank_id ORDER BY bank_id LIMIT $3`,
          values: [q.bankIds, q.sizes, q.limit],
        })
      : await db.query<{ bank_id: string; free: number }>({
          name: "fleet-free-anywhere",
          text: `SELECT bank_id, sum(n)::int AS free FROM central.locker_counts
           WHERE size = ANY($1::text[]) AND status = 'AVAILABLE' AND n > 0
           GROUP BY bank_id ORDER BY bank_id LIMIT $2`,
          values: [q.sizes, q.limit],
        });
  return r.rows.map((x) => ({ bankId: x.bank_id, free: x.free }));
}

export interface FleetSizeAvailability {
  size: string;
  free: number;
  total: number;
  banksWithFree: number;
}

/** Free and total lockers per size across the fleet. */
export async function fleetAvailability(db: Queryable): Promise<FleetSizeAvailability[]> {
  const r = await db.query<{ size: string; free: string; total: string; banks: string }>(
    `SELECT size, COALESCE(sum(n) FILTER (WHERE status = 'AVAILABLE'), 0) AS free, sum(n) AS total,
            count(DISTINCT bank_id) FILTER (WHERE status = 'AVAILABLE' AND n > 0) AS banks
     FROM central.locker_counts WHERE size <> '' GROUP BY size ORDER BY size`,
  );
  return r.rows.map((x) => ({ size: x.size, free: Number(x.free), total: Number(x.total), banksWithFree: Number(x.banks) }));
}

export interface CommandLogEntry {
  id: number;
  bankId: string;
  kind: string;
  args: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
  status: string;
  completedAt: string | null;
  result: unknown;
}

/**
 * The commands sent to banks, newest first (read from the queue table; creating and signing
 * commands is the command routes' work, not this file's).
 */
export async function commandLog(db: Queryable, q: { bankId?: string | undefined; limit: number }): Promise<CommandLogEntry[]> {
  const params: unknown[] = [q.limit];
  if (q.bankId !== undefined) params.push(q.bankId);
  const r = await db.query<{
    id: string;
    bank_id: string;
    kind: string;
    args: Record<string, unknown>;
    created_at: Date;
    created_by: string;
    status: string;
    completed_at: Date | null;
    result: unknown;
  }>(
    `SELECT id, bank_id, kind, args, created_at, created_by, status, completed_at, result FROM central.bank_commands
     ${q.bankId !== undefined ? "WHERE bank_id = $2" : ""} ORDER BY id DESC LIMIT $1`,
    params,
  );
  return r.rows.map((x) => ({
    id: Number(x.id),
    bankId: x.bank_id,
    kind: x.kind,
    args: x.args ?? {},
    createdAt: x.created_at.toISOString(),
    createdBy: x.created_by,
    status: x.status,
    completedAt: iso(x.completed_at),
    result: x.result ?? null,
  }));
}

/** What the bank reported, if it has the expected shape (a bank is not trusted with more than its own row). */
function lockerHealthOf(v: unknown): LockerHealthReport | null {
  const r = lockerHealthReport.safeParse(v);
  return r.success ? r.data : null;
}
