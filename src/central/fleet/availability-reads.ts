/**
 * Free lockers per size, from the count table central.locker_counts (kept by the projection):
 * of one bank, at the banks asked about, and across the fleet. ./availability-reader.ts answers
 * from the instance's copy instead when it is fresh.
 */
import type { FleetSettings, Queryable } from "./queries.js";

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
