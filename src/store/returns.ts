/**
 * Returns: parcel rows of kind 'return' (migration 7), so a return claims its locker exactly as a
 * parcel does (one per locker, enforced by the parcels table) but has no pickup code: only its
 * carrier's courier takes it out. Prepared on first use (the CLI may open an older file).
 */
import type { Db } from "./database.js";

export interface ReturnInfo {
  parcelId: string;
  reference: string;
  size: string;
  carrier: string;
  passId: string;
  lockerId: string;
  status: string;
  inLocker: boolean;
}

export interface NewReturn {
  id: string;
  reference: string;
  size: string;
  carrier: string;
  passId: string;
  lockerId: string;
  createdAt: number;
}

const COLUMNS = `id AS parcelId, tracking_ref AS reference, size, carrier, pass_id AS passId, locker_id AS lockerId, status, in_locker AS inLocker`;
type Raw = Omit<ReturnInfo, "inLocker"> & { inLocker: number };
const toInfo = (r: Raw): ReturnInfo => ({ ...r, inLocker: r.inLocker === 1 });

function prepare(db: Db) {
  return {
    insert: db.prepare(
      `INSERT INTO parcels (id, tracking_ref, size, locker_id, status, in_locker, code_hash, token_hash, created_at, expires_at, kind, carrier, pass_id)
       VALUES (@id, @reference, @size, @lockerId, 'ASSIGNED', 1, NULL, NULL, @createdAt, @expiresAt, 'return', @carrier, @passId)`,
    ),
    get: db.prepare<[string], Raw>(`SELECT ${COLUMNS} FROM parcels WHERE id = ? AND kind = 'return'`),
    storedFor: db.prepare<[string], Raw>(`SELECT ${COLUMNS} FROM parcels WHERE kind = 'return' AND carrier = ? AND status = 'STORED' AND in_locker = 1 ORDER BY stored_at, id`),
    allIds: db.prepare<[], { id: string }>(`SELECT id FROM parcels WHERE kind = 'return' AND in_locker = 1`),
  };
}

/** A return's expires_at: never (it waits for its carrier; expiry passes over returns). */
export const RETURN_NEVER_EXPIRES = 8_640_000_000_000_000;

export class ReturnTable {
  private stmts: ReturnType<typeof prepare> | null = null;

  constructor(private readonly db: Db) {}

  private get s(): ReturnType<typeof prepare> {
    return (this.stmts ??= prepare(this.db));
  }

  /** Inside a write transaction. */
  insert(r: NewReturn): void {
    this.s.insert.run({ ...r, expiresAt: RETURN_NEVER_EXPIRES });
  }

  /** The return with this parcel id; undefined for a delivery or no parcel. */
  get(parcelId: string): ReturnInfo | undefined {
    const r = this.s.get.get(parcelId);
    return r && toInfo(r);
  }

  /** Returns stored for this carrier and still in their lockers, oldest first. */
  storedFor(carrier: string): ReturnInfo[] {
    return this.s.storedFor.all(carrier).map(toInfo);
  }

  /** Ids of the returns holding a locker (views mark them). */
  inLockerIds(): Set<string> {
    return new Set(this.s.allIds.all().map((r) => r.id));
  }
}
