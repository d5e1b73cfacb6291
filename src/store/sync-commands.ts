/** Commands from the central database this bank has taken on, so each is applied only once. */
import type { Db } from "./database.js";

export type SyncCommandState = "started" | "done" | "failed";

export interface SyncCommandRow {
  id: number;
  kind: string;
  state: SyncCommandState;
  receivedAt: number;
  finishedAt: number | null;
  result: string | null;
}

const COLUMNS = `id, kind, state, received_at AS receivedAt, finished_at AS finishedAt, result`;

export class SyncCommandTable {
  private readonly getStmt;
  private readonly startStmt;
  private readonly finishStmt;
  private readonly unfinishedStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[number], SyncCommandRow>(`SELECT ${COLUMNS} FROM sync_commands WHERE id = ?`);
    this.startStmt = db.prepare<[number, string, number]>(`INSERT INTO sync_commands (id, kind, state, received_at) VALUES (?, ?, 'started', ?)`);
    this.finishStmt = db.prepare<[SyncCommandState, number, string, number]>(
      `UPDATE sync_commands SET state = ?, finished_at = ?, result = ? WHERE id = ? AND state = 'started'`,
    );
    this.unfinishedStmt = db.prepare<[], SyncCommandRow>(`SELECT ${COLUMNS} FROM sync_commands WHERE state = 'started' ORDER BY id`);
  }

  get(id: number): SyncCommandRow | undefined {
    return this.getStmt.get(id);
  }

  /** Inside a write transaction: claim the command (fails if it was claimed before). */
  start(id: number, kind: string, at: number): void {
    this.startStmt.run(id, kind, at);
  }

  finish(id: number, state: "done" | "failed", result: Record<string, unknown>, at: number): void {
    this.finishStmt.run(state, at, JSON.stringify(result), id);
  }

  /** Commands claimed but never finished (the daemon stopped in between). */
  unfinished(): SyncCommandRow[] {
    return this.unfinishedStmt.all();
  }
}
