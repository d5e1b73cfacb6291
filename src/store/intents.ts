/**
 * Door intents: an unlock is committed here (with its outbox event) before the lock is pulsed,
 * and its outcome is recorded in a later transaction. After a restart, unfinished intents are
 * reconciled against the door sensors instead of pulsing again blindly.
 */
import type { Db } from "./database.js";
import type { IntentPurpose, IntentRow, IntentState } from "./rows.js";

const COLUMNS = `id, locker_id AS lockerId, parcel_id AS parcelId, purpose, state,
  created_at AS createdAt, opened_at AS openedAt, finished_at AS finishedAt`;

export class IntentTable {
  private readonly activeStmt;
  private readonly byIdStmt;
  private readonly insertStmt;
  private readonly allActive;

  constructor(private readonly db: Db) {
    this.activeStmt = db.prepare<[string], IntentRow>(
      `SELECT ${COLUMNS} FROM door_intents WHERE locker_id = ? AND state IN ('pending','opened')`,
    );
    this.byIdStmt = db.prepare<[number], IntentRow>(`SELECT ${COLUMNS} FROM door_intents WHERE id = ?`);
    this.insertStmt = db.prepare<[string, string | null, IntentPurpose, number]>(
      `INSERT INTO door_intents (locker_id, parcel_id, purpose, state, created_at) VALUES (?, ?, ?, 'pending', ?)`,
    );
    this.allActive = db.prepare<[], IntentRow>(
      `SELECT ${COLUMNS} FROM door_intents WHERE state IN ('pending','opened') ORDER BY id`,
    );
  }

  /** The one unfinished intent on a locker, if any (the schema allows at most one). */
  active(lockerId: string): IntentRow | undefined {
    return this.activeStmt.get(lockerId);
  }

  get(id: number): IntentRow | undefined {
    return this.byIdStmt.get(id);
  }

  listActive(): IntentRow[] {
    return this.allActive.all();
  }

  create(lockerId: string, parcelId: string | null, purpose: IntentPurpose, now: number): number {
    return Number(this.insertStmt.run(lockerId, parcelId, purpose, now).lastInsertRowid);
  }

  setState(id: number, state: IntentState, now: number): void {
    const column = state === "opened" ? "opened_at" : state === "pending" ? null : "finished_at";
    const set = column ? `, ${column} = @now` : "";
    this.db.prepare(`UPDATE door_intents SET state = @state${set} WHERE id = @id`).run({ id, state, now });
  }
}
