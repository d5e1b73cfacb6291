/**
 * What the fleet's reads share: the connection they are handed and the fleet settings. The SQL
 * itself is in rooms of its own: ./bank-reads.ts (banks, online or not, the fleet summary),
 * ./alarm-reads.ts (open alarms), ./parcel-reads.ts (a bank's lockers and parcels, a parcel by
 * tracking ref), ./availability-reads.ts (free lockers per size), ./command-log.ts; no HTTP in
 * any (the routes in ./routes.ts call them, tests call them directly).
 */
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

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
