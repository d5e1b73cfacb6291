/** Queries on attempt_sources: the attempt limiter's per-source state. */
import type { Db } from "./database.js";

export interface AttemptState {
  source: string;
  /** Times of failures not yet folded into a lockout, oldest first. */
  failures: number[];
  /** Times of recent lockout trips, oldest first. */
  trips: number[];
  lockedUntil: number;
}

interface RawState {
  source: string;
  failures: string;
  trips: string;
  lockedUntil: number;
}

export class AttemptTable {
  private readonly getStmt;
  private readonly putStmt;
  private readonly lockedStmt;
  private readonly recentStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], RawState>(
      `SELECT source, failures, trips, locked_until AS lockedUntil FROM attempt_sources WHERE source = ?`,
    );
    this.putStmt = db.prepare(
      `INSERT INTO attempt_sources (source, failures, trips, locked_until, updated_at) VALUES (@source, @failures, @trips, @lockedUntil, @now)
       ON CONFLICT(source) DO UPDATE SET failures = @failures, trips = @trips, locked_until = @lockedUntil, updated_at = @now`,
    );
    this.lockedStmt = db.prepare<[number], RawState>(
      `SELECT source, failures, trips, locked_until AS lockedUntil FROM attempt_sources WHERE locked_until > ? ORDER BY source`,
    );
    this.recentStmt = db.prepare<[number], RawState>(
      `SELECT source, failures, trips, locked_until AS lockedUntil FROM attempt_sources WHERE updated_at > ? ORDER BY source`,
    );
  }

  get(source: string): AttemptState {
    const r = this.getStmt.get(source);
    if (!r) return { source, failures: [], trips: [], lockedUntil: 0 };
    return { source, failures: JSON.parse(r.failures) as number[], trips: JSON.parse(r.trips) as number[], lockedUntil: r.lockedUntil };
  }

  put(s: AttemptState, now: number): void {
    this.putStmt.run({ source: s.source, failures: JSON.stringify(s.failures), trips: JSON.stringify(s.trips), lockedUntil: s.lockedUntil, now });
  }

  /** Sources locked out at `now` (technician views). */
  locked(now: number): AttemptState[] {
    return this.lockedStmt.all(now).map(parse);
  }

  /** Sources with a failure, a trip or a lockout recorded after `since`. */
  recent(since: number): AttemptState[] {
    return this.recentStmt.all(since).map(parse);
  }
}

function parse(r: RawState): AttemptState {
  return { source: r.source, failures: JSON.parse(r.failures) as number[], trips: JSON.parse(r.trips) as number[], lockedUntil: r.lockedUntil };
}
