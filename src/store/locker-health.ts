/** Each compartment's health counters (migration 8) and the outcomes recorded on its unlocks. */
import type { Db } from "./database.js";

export type UnlockOutcome = "opened" | "open_not_detected" | "board_refused" | "no_answer";
export type HealthCounter = "cycles" | "failed_opens" | "jams" | "sensor_flaps" | "board_errors";

/** A compartment's counters: bank/health.ts says what each counts and the score they make. */
export interface LockerHealthRow {
  lockerId: string;
  cycles: number;
  failedOpens: number;
  jams: number;
  sensorFlaps: number;
  boardErrors: number;
  /** When the score fell below the threshold (null: not below). */
  lowSince: number | null;
  /** When the fault counters last restarted (the locker put back in service). */
  resetAt: number | null;
  updatedAt: number;
}

export interface UnlockOutcomeRow {
  intentId: number;
  purpose: string;
  outcome: UnlockOutcome;
  boardAnswer: string | null;
  at: number;
}

/** The counters of a locker that never had any. */
export function emptyHealthRow(lockerId: string): LockerHealthRow {
  return { lockerId, cycles: 0, failedOpens: 0, jams: 0, sensorFlaps: 0, boardErrors: 0, lowSince: null, resetAt: null, updatedAt: 0 };
}

const COLUMNS = `locker_id AS lockerId, cycles, failed_opens AS failedOpens, jams, sensor_flaps AS sensorFlaps,
  board_errors AS boardErrors, low_since AS lowSince, reset_at AS resetAt, updated_at AS updatedAt`;

export class LockerHealthTable {
  private readonly byId;
  private readonly all;
  private readonly ensureStmt;
  private readonly outcomesStmt;
  private readonly addStmt;

  constructor(private readonly db: Db) {
    this.byId = db.prepare<[string], LockerHealthRow>(`SELECT ${COLUMNS} FROM locker_health WHERE locker_id = ?`);
    this.all = db.prepare<[], LockerHealthRow>(`SELECT ${COLUMNS} FROM locker_health ORDER BY locker_id`);
    this.ensureStmt = db.prepare<[string, number]>(`INSERT INTO locker_health (locker_id, updated_at) VALUES (?, ?) ON CONFLICT(locker_id) DO NOTHING`);
    this.addStmt = db.prepare<[Record<HealthCounter | "now" | "lockerId", number | string>]>(
      `UPDATE locker_health SET cycles = cycles + @cycles, failed_opens = failed_opens + @failed_opens, jams = jams + @jams,
         sensor_flaps = sensor_flaps + @sensor_flaps, board_errors = board_errors + @board_errors, updated_at = @now
       WHERE locker_id = @lockerId`,
    );
    this.outcomesStmt = db.prepare<[string, number], UnlockOutcomeRow>(
      `SELECT id AS intentId, purpose, outcome, board_answer AS boardAnswer, coalesce(finished_at, opened_at, created_at) AS at
       FROM door_intents WHERE locker_id = ? AND outcome IS NOT NULL ORDER BY id DESC LIMIT ?`,
    );
  }

  /** A locker's counters; all zero for one that never had any. */
  get(lockerId: string): LockerHealthRow {
    return this.byId.get(lockerId) ?? emptyHealthRow(lockerId);
  }

  list(): LockerHealthRow[] {
    return this.all.all();
  }

  add(lockerId: string, counters: Partial<Record<HealthCounter, number>>, now: number): void {
    this.ensureStmt.run(lockerId, now);
    const { cycles = 0, failed_opens = 0, jams = 0, sensor_flaps = 0, board_errors = 0 } = counters;
    this.addStmt.run({ cycles, failed_opens, jams, sensor_flaps, board_errors, now, lockerId });
  }

  setLowSince(lockerId: string, at: number | null, now: number): void {
    this.ensureStmt.run(lockerId, now);
    this.db.prepare(`UPDATE locker_health SET low_since = ?, updated_at = ? WHERE locker_id = ?`).run(at, now, lockerId);
  }

  /** A technician put the locker back in service: its fault counters start again (cycles stay). */
  resetFaults(lockerId: string, now: number): void {
    this.ensureStmt.run(lockerId, now);
    this.db
      .prepare(`UPDATE locker_health SET failed_opens = 0, jams = 0, sensor_flaps = 0, board_errors = 0, low_since = NULL, reset_at = ?, updated_at = ? WHERE locker_id = ?`)
      .run(now, now, lockerId);
  }

  setOutcome(intentId: number, outcome: UnlockOutcome, boardAnswer: string | null): void {
    this.db.prepare(`UPDATE door_intents SET outcome = ?, board_answer = ? WHERE id = ?`).run(outcome, boardAnswer, intentId);
  }

  /** The locker's latest unlock outcomes, newest first. */
  outcomes(lockerId: string, limit = 10): UnlockOutcomeRow[] {
    return this.outcomesStmt.all(lockerId, limit);
  }
}
