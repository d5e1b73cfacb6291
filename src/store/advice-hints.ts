/**
 * Hints from the carriers' pre-advice at the center, pulled with sync: the tracking refs of
 * parcels whose recipient needs a door within a wheelchair user's reach. A hint is taken (and
 * deleted) by the parcel's assignment, and pruned once its advice has expired. The last id
 * pulled is kept in meta, apart from the rows, so a used or pruned hint never comes again.
 * Prepared on first use: the CLI's read-only fallback may open a file older than migration 9.
 */
import type { Db } from "./database.js";

/** One hint as the center sends it (central.pull_advice_hints). */
export interface AdviceHint {
  /** The center's id: hints arrive in its order, and the bank asks for those after the last. */
  hintId: number;
  trackingRef: string;
  /** false: the advice no longer asks (an earlier hint for the ref is withdrawn). */
  reachable: boolean;
  expiresAt: number;
}

/** At most this many hints are held (the ones expiring first make room): a center cannot fill the card. */
export const MAX_HINTS = 10_000;
/** A hint is kept at most this long, whatever expiry the center gives (its longest advice ttl). */
export const MAX_HINT_AGE_MS = 366 * 86_400_000;
const CURSOR = "adviceHints.lastId";
/** What the center accepts as a tracking ref (POST /parcels/advice): anything else is not kept, whoever wrote it. */
const TRACKING_REF = /^[\x21-\x7e]{1,64}$/;

function prepare(db: Db) {
  return {
    put: db.prepare(
      `INSERT INTO advice_hints (tracking_ref, hint_id, expires_at, received_at) VALUES (@trackingRef, @hintId, @expiresAt, @now)
       ON CONFLICT(tracking_ref) DO UPDATE SET hint_id = excluded.hint_id, expires_at = excluded.expires_at, received_at = excluded.received_at`,
    ),
    drop: db.prepare<[string]>(`DELETE FROM advice_hints WHERE tracking_ref = ?`),
    take: db.prepare<[string], { expiresAt: number }>(`DELETE FROM advice_hints WHERE tracking_ref = ? RETURNING expires_at AS expiresAt`),
    cursor: db.prepare<[string], { value: string }>(`SELECT value FROM meta WHERE key = ?`),
    setCursor: db.prepare<[string, string]>(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
    count: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM advice_hints`),
    overflow: db.prepare<[number]>(`DELETE FROM advice_hints WHERE tracking_ref IN (SELECT tracking_ref FROM advice_hints ORDER BY expires_at, hint_id LIMIT ?)`),
    prune: db.prepare<[number]>(`DELETE FROM advice_hints WHERE expires_at <= ?`),
    all: db.prepare<[], { trackingRef: string; hintId: number; expiresAt: number }>(
      `SELECT tracking_ref AS trackingRef, hint_id AS hintId, expires_at AS expiresAt FROM advice_hints ORDER BY hint_id`,
    ),
  };
}

export class AdviceHintTable {
  private stmts: ReturnType<typeof prepare> | null = null;

  constructor(private readonly db: Db) {}

  private get s(): ReturnType<typeof prepare> {
    return (this.stmts ??= prepare(this.db));
  }

  /** The highest hint id pulled (0: none yet): the next pull asks for those after it. */
  lastHintId(): number {
    return Number(this.s.cursor.get(CURSOR)?.value ?? 0);
  }

  /**
   * Inside a write transaction: apply hints pulled from the center, in its order (a later one
   * for a ref replaces the earlier; reachable false withdraws it), and move the cursor past them.
   */
  apply(rows: readonly AdviceHint[], now: number): void {
    let last = this.lastHintId();
    for (const r of rows) {
      last = Math.max(last, r.hintId);
      // such a ref was never kept, so there is nothing to withdraw either
      if (!TRACKING_REF.test(r.trackingRef)) continue;
      if (r.reachable && r.expiresAt > now) this.s.put.run({ trackingRef: r.trackingRef, hintId: r.hintId, expiresAt: Math.min(r.expiresAt, now + MAX_HINT_AGE_MS), now });
      else this.s.drop.run(r.trackingRef);
    }
    this.s.setCursor.run(CURSOR, String(last));
    const over = this.s.count.get()!.n - MAX_HINTS;
    if (over > 0) this.s.overflow.run(over);
  }

  /**
   * Inside the assignment's write transaction: whether the parcel's advice asked for a
   * reachable door. The hint is used up either way (a parcel with this ref is now at the bank).
   */
  take(trackingRef: string, now: number): boolean {
    const row = this.s.take.get(trackingRef);
    return row !== undefined && row.expiresAt > now;
  }

  /** Inside a write transaction: drop the hints whose advice has expired. */
  prune(now: number): number {
    return this.s.prune.run(now).changes;
  }

  count(): number {
    return this.s.count.get()!.n;
  }

  /** The hints held, oldest first (lockerctl and tests). */
  list(): { trackingRef: string; hintId: number; expiresAt: number }[] {
    return this.s.all.all();
  }
}
