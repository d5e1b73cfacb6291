/** Queries on the lockers table. */
import type { Statement } from "better-sqlite3";
import type { Db } from "./database.js";
import type { LockerRow, LockerStatus } from "./rows.js";

const COLUMNS = `id, size, size_rank AS sizeRank, position, status, service_reason AS serviceReason,
  failed_opens AS failedOpens, in_layout AS inLayout, updated_at AS updatedAt`;

type RawLocker = Omit<LockerRow, "inLayout"> & { inLayout: number };
const toRow = (r: RawLocker): LockerRow => ({ ...r, inLayout: r.inLayout === 1 });

export interface LayoutLocker {
  id: string;
  size: string;
  sizeRank: number;
  position: number;
  /** Within a wheelchair user's reach (layout: reachable, or heightCm). */
  reachable?: boolean;
}

export class LockerTable {
  private readonly byId;
  private readonly all;
  private readonly candidates;
  private readonly setStatusStmt;
  private readonly failedOpensStmt;
  private reachableStmt: Statement<[], { id: string }> | null = null;

  constructor(private readonly db: Db) {
    this.byId = db.prepare<[string], RawLocker>(`SELECT ${COLUMNS} FROM lockers WHERE id = ?`);
    this.all = db.prepare<[], RawLocker>(`SELECT ${COLUMNS} FROM lockers WHERE in_layout = 1 ORDER BY position`);
    this.candidates = db.prepare<[number], { id: string; size: string }>(
      `SELECT id, size FROM lockers WHERE status = 'AVAILABLE' AND in_layout = 1 AND size_rank >= ?
       ORDER BY size_rank, position`,
    );
    this.setStatusStmt = db.prepare<[LockerStatus, string | null, number, string]>(
      `UPDATE lockers SET status = ?, service_reason = ?, updated_at = ? WHERE id = ?`,
    );
    this.failedOpensStmt = db.prepare<[number, number, string]>(
      `UPDATE lockers SET failed_opens = ?, updated_at = ? WHERE id = ?`,
    );
  }

  get(id: string): LockerRow | undefined {
    const r = this.byId.get(id);
    return r && toRow(r);
  }

  list(): LockerRow[] {
    return this.all.all().map(toRow);
  }

  /** Available lockers that fit, smallest size first, then layout order. */
  fitting(minRank: number): { id: string; size: string }[] {
    return this.candidates.all(minRank);
  }

  /** Lockers within a wheelchair user's reach (prepared on first use: migration 7's column). */
  reachableIds(): Set<string> {
    this.reachableStmt ??= this.db.prepare<[], { id: string }>(`SELECT id FROM lockers WHERE reachable = 1 AND in_layout = 1`);
    return new Set(this.reachableStmt.all().map((r) => r.id));
  }

  setStatus(id: string, status: LockerStatus, reason: string | null, now: number): void {
    this.setStatusStmt.run(status, reason, now, id);
  }

  setFailedOpens(id: string, count: number, now: number): void {
    this.failedOpensStmt.run(count, now, id);
  }

  /**
   * Make the table match the layout: new lockers are added AVAILABLE, sizes follow the layout
   * for empty lockers, lockers gone from the layout are hidden. Returns problems that must stop
   * the start (a locker holding a parcel that the layout removed or resized).
   */
  applyLayout(layout: readonly LayoutLocker[], now: number): string[] {
    const problems: string[] = [];
    const holding = new Set(
      this.db
        .prepare<[], { lockerId: string }>(`SELECT locker_id AS lockerId FROM parcels WHERE in_locker = 1`)
        .all()
        .map((r) => r.lockerId),
    );
    const inLayout = new Set(layout.map((l) => l.id));
    const insert = this.db.prepare(
      `INSERT INTO lockers (id, size, size_rank, position, status, updated_at, in_layout, reachable)
       VALUES (@id, @size, @sizeRank, @position, 'AVAILABLE', @now, 1, @reachable)
       ON CONFLICT(id) DO UPDATE SET size = @size, size_rank = @sizeRank, position = @position, in_layout = 1, reachable = @reachable`,
    );
    for (const l of layout) {
      const existing = this.get(l.id);
      if (existing && existing.size !== l.size && holding.has(l.id)) {
        problems.push(`locker ${l.id} holds a parcel but the layout changes its size from ${existing.size} to ${l.size}`);
        continue;
      }
      insert.run({ ...l, reachable: l.reachable ? 1 : 0, now });
    }
    for (const r of this.db.prepare<[], { id: string }>(`SELECT id FROM lockers WHERE in_layout = 1`).all()) {
      if (inLayout.has(r.id)) continue;
      if (holding.has(r.id)) problems.push(`locker ${r.id} holds a parcel but is missing from the layout`);
      else this.db.prepare(`UPDATE lockers SET in_layout = 0, updated_at = ? WHERE id = ?`).run(now, r.id);
    }
    return problems;
  }
}
