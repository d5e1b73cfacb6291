/**
 * The operator's questions about banks, answered from the central schema: each bank and whether
 * it is online (heard from in time), its sync lag, open alarms, occupancy and compartment health;
 * and the fleet in a few numbers.
 */
import { iso, type FleetSettings, type Queryable } from "./queries.js";
import { lockerHealthReport } from "./views.js";

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

/** What the bank reported, if it has the expected shape (a bank is not trusted with more than its own row). */
function lockerHealthOf(v: unknown): LockerHealthReport | null {
  const r = lockerHealthReport.safeParse(v);
  return r.success ? r.data : null;
}
