/** Queries on attempt_sources: the attempt limiter's per-source state. */
import type { Db } from "./database.js";

export interface AttemptState {
  source: string;
  /** Times of failures not yet folded into a lockout, oldest first. */
  failures: number[];
  /** Times of recent lockout trips, oldest first. */
  trips: number[];
  lockedUntil: number;
  /** When the source's last alarm.pickup_lockout was recorded; 0: never, or its end (kiosk.lockout_ended) or a technician's clear was recorded since. */
  alarmedAt: number;
}

interface RawState {
  source: string;
  failures: string;
  trips: string;
  lockedUntil: number;
  alarmedAt: number;
}

export class AttemptTable {
  private readonly getStmt;
  private readonly putStmt;
  private readonly lockedStmt;
  private readonly recentStmt;
  private readonly alarmedStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], RawState>(
      `SELECT source, failures, trips, locked_until AS lockedUntil, alarmed_at AS alarmedAt FROM attempt_sources WHERE source = ?`,
    );
    this.putStmt = db.prepare(
      `INSERT INTO attempt_sources (source, failures, trips, locked_until, alarmed_at, updated_at) VALUES (@source, @failures, @trips, @lockedUntil, @alarmedAt, @now)
       ON CONFLICT(source) DO UPDATE SET failures = @failures, trips = @trips, locked_until = @lockedUntil, alarmed_at = @alarmedAt, updated_at = @now`,
    );
    this.lockedStmt = db.prepare<[number], RawState>(
      `SELECT source, failures, trips, locked_until AS lockedUntil, alarmed_at AS alarmedAt FROM attempt_sources WHERE locked_until > ? ORDER BY source`,
    );
    this.recentStmt = db.prepare<[number], RawState>(
      `SELECT source, failures, trips, locked_until AS lockedUntil, alarmed_at AS alarmedAt FROM attempt_sources WHERE updated_at > ? ORDER BY source`,
    );
    this.alarmedStmt = db.prepare<[], RawState>(
      `SELECT source, failures, trips, locked_until AS lockedUntil, alarmed_at AS alarmedAt FROM attempt_sources WHERE alarmed_at > 0 ORDER BY source`,
    );
  }

  get(source: string): AttemptState {
    const r = this.getStmt.get(source);
    if (!r) return { source, failures: [], trips: [], lockedUntil: 0, alarmedAt: 0 };
    return parse(r);
  }

  put(s: AttemptState, now: number): void {
    this.putStmt.run({ source: s.source, failures: JSON.stringify(s.failures), trips: JSON.stringify(s.trips), lockedUntil: s.lockedUntil, alarmedAt: s.alarmedAt, now });
  }

  /** Sources locked out at `now` (technician views). */
  locked(now: number): AttemptState[] {
    return this.lockedStmt.all(now).map(parse);
  }

  /** Sources whose alarm.pickup_lockout has not been followed by its end (alarmedAt set). */
  alarmed(): AttemptState[] {
    return this.alarmedStmt.all().map(parse);
  }

  /** Sources with a failure, a trip or a lockout recorded after `since`. */
  recent(since: number): AttemptState[] {
    return this.recentStmt.all(since).map(parse);
  }
}

function parse(r: RawState): AttemptState {
  return { source: r.source, failures: JSON.parse(r.failures) as number[], trips: JSON.parse(r.trips) as number[], lockedUntil: r.lockedUntil, alarmedAt: r.alarmedAt };
}
