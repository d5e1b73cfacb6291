/** Queries on the parcels table. */
import type { Db } from "./database.js";
import type { ParcelRow, ParcelStatus } from "./rows.js";

const COLUMNS = `id, tracking_ref AS trackingRef, size, locker_id AS lockerId, status, in_locker AS inLocker,
  code_hash AS codeHash, created_at AS createdAt, expires_at AS expiresAt, stored_at AS storedAt,
  picked_up_at AS pickedUpAt, expired_at AS expiredAt, cancelled_at AS cancelledAt,
  removed_at AS removedAt, released_at AS releasedAt`;

type RawParcel = Omit<ParcelRow, "inLocker"> & { inLocker: number };
const toRow = (r: RawParcel): ParcelRow => ({ ...r, inLocker: r.inLocker === 1 });

export interface NewParcel {
  id: string;
  trackingRef: string | null;
  size: string;
  lockerId: string;
  codeHash: Buffer;
  /** HMAC of the QR/barcode pickup token; null for none. */
  tokenHash?: Buffer | null;
  createdAt: number;
  expiresAt: number;
}

/** Timestamp columns a status change may set. */
type TimeColumn = "stored_at" | "picked_up_at" | "expired_at" | "cancelled_at" | "removed_at" | "released_at";

export class ParcelTable {
  private readonly byId;
  private readonly byCode;
  private readonly byToken;
  private readonly inLockerStmt;
  private readonly insertStmt;
  private readonly codeInUse;
  private readonly dueStmt;
  private readonly liveRefStmt;

  constructor(private readonly db: Db) {
    this.byId = db.prepare<[string], RawParcel>(`SELECT ${COLUMNS} FROM parcels WHERE id = ?`);
    this.byCode = db.prepare<[Buffer], RawParcel>(`SELECT ${COLUMNS} FROM parcels WHERE code_hash = ?`);
    this.byToken = db.prepare<[Buffer], RawParcel>(`SELECT ${COLUMNS} FROM parcels WHERE token_hash = ?`);
    this.inLockerStmt = db.prepare<[string], RawParcel>(`SELECT ${COLUMNS} FROM parcels WHERE locker_id = ? AND in_locker = 1`);
    this.insertStmt = db.prepare(
      `INSERT INTO parcels (id, tracking_ref, size, locker_id, status, in_locker, code_hash, token_hash, created_at, expires_at)
       VALUES (@id, @trackingRef, @size, @lockerId, 'ASSIGNED', 1, @codeHash, @tokenHash, @createdAt, @expiresAt)`,
    );
    this.codeInUse = db.prepare<[Buffer], { n: number }>(`SELECT 1 AS n FROM parcels WHERE code_hash = ?`);
    this.liveRefStmt = db.prepare<[string], RawParcel>(
      `SELECT ${COLUMNS} FROM parcels WHERE tracking_ref = ? AND status IN ('ASSIGNED','STORED') ORDER BY created_at DESC LIMIT 1`,
    );
    // A parcel whose door is being opened for its pickup is not expired under the customer's
    // hand; the next sweep catches it if that door never opens.
    this.dueStmt = db.prepare<[number], RawParcel>(
      `SELECT ${COLUMNS} FROM parcels WHERE status = 'STORED' AND expires_at <= ?
         AND NOT EXISTS (SELECT 1 FROM door_intents i WHERE i.parcel_id = parcels.id AND i.state IN ('pending','opened'))
       ORDER BY expires_at`,
    );
  }

  get(id: string): ParcelRow | undefined {
    const r = this.byId.get(id);
    return r && toRow(r);
  }

  byCodeHash(hash: Buffer): ParcelRow | undefined {
    const r = this.byCode.get(hash);
    return r && toRow(r);
  }

  /** The parcel whose live pickup token hashes to this (the token is dropped with the code). */
  byTokenHash(hash: Buffer): ParcelRow | undefined {
    const r = this.byToken.get(hash);
    return r && toRow(r);
  }

  inLocker(lockerId: string): ParcelRow | undefined {
    const r = this.inLockerStmt.get(lockerId);
    return r && toRow(r);
  }

  /** The live parcel (reserved or stored) carrying this tracking reference, if any. */
  liveByTrackingRef(trackingRef: string): ParcelRow | undefined {
    const r = this.liveRefStmt.get(trackingRef);
    return r && toRow(r);
  }

  isCodeHashLive(hash: Buffer): boolean {
    return this.codeInUse.get(hash) !== undefined;
  }

  insert(p: NewParcel): void {
    this.insertStmt.run({ ...p, tokenHash: p.tokenHash ?? null });
  }

  /** Re-home a parcel held in a locker (a technician moved it physically; bank/move.ts). */
  relocate(id: string, lockerId: string): void {
    this.db.prepare(`UPDATE parcels SET locker_id = ? WHERE id = ? AND in_locker = 1`).run(lockerId, id);
  }

  /** Change status; optionally stamp a time column, drop the code, release the locker claim. */
  update(
    id: string,
    change: { status?: ParcelStatus; stamp?: TimeColumn; at: number; dropCode?: boolean; release?: boolean; expiresAt?: number },
  ): void {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id, at: change.at };
    if (change.status) {
      sets.push("status = @status");
      params.status = change.status;
    }
    if (change.stamp) sets.push(`${change.stamp} = @at`);
    if (change.dropCode) sets.push("code_hash = NULL", "token_hash = NULL");
    if (change.release) sets.push("in_locker = 0, released_at = @at");
    if (change.expiresAt !== undefined) {
      sets.push("expires_at = @expiresAt");
      params.expiresAt = change.expiresAt;
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE parcels SET ${sets.join(", ")} WHERE id = @id`).run(params);
  }

  /** STORED parcels whose deadline has passed and whose door is not being opened. */
  due(now: number): ParcelRow[] {
    return this.dueStmt.all(now).map(toRow);
  }

  find(filter: { trackingRef?: string; lockerId?: string; status?: ParcelStatus; limit?: number }): ParcelRow[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit ?? 100 };
    if (filter.trackingRef !== undefined) {
      where.push("tracking_ref = @trackingRef");
      params.trackingRef = filter.trackingRef;
    }
    if (filter.lockerId !== undefined) {
      where.push("locker_id = @lockerId");
      params.lockerId = filter.lockerId;
    }
    if (filter.status !== undefined) {
      where.push("status = @status");
      params.status = filter.status;
    }
    const sql = `SELECT ${COLUMNS} FROM parcels ${where.length ? "WHERE " + where.join(" AND ") : ""}
      ORDER BY created_at DESC LIMIT @limit`;
    return this.db.prepare<[Record<string, unknown>], RawParcel>(sql).all(params).map(toRow);
  }
}
