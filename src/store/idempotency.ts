/** Queries on idempotency_keys: the answers to requests sent with an Idempotency-Key (see api/idempotency.ts). */
import type { Db } from "./database.js";

export interface IdempotencyRow {
  request: Buffer;
  state: "started" | "done";
  status: number | null;
  answer: Buffer | null;
  createdAt: number;
}

export class IdempotencyTable {
  private readonly getStmt;
  private readonly startStmt;
  private readonly finishStmt;
  private readonly dropStmt;
  private readonly purgeStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[Buffer], IdempotencyRow>(`SELECT request, state, status, answer, created_at AS createdAt FROM idempotency_keys WHERE id = ?`);
    this.startStmt = db.prepare<[Buffer, Buffer, number]>(
      `INSERT INTO idempotency_keys (id, request, state, created_at) VALUES (?, ?, 'started', ?)
       ON CONFLICT(id) DO UPDATE SET request = excluded.request, state = 'started', status = NULL, answer = NULL, created_at = excluded.created_at`,
    );
    this.finishStmt = db.prepare<[number, Buffer, Buffer]>(`UPDATE idempotency_keys SET state = 'done', status = ?, answer = ? WHERE id = ? AND state = 'started'`);
    this.dropStmt = db.prepare<[Buffer]>(`DELETE FROM idempotency_keys WHERE id = ?`);
    this.purgeStmt = db.prepare<[number]>(`DELETE FROM idempotency_keys WHERE created_at < ?`);
  }

  get(id: Buffer): IdempotencyRow | undefined {
    return this.getStmt.get(id);
  }

  start(id: Buffer, request: Buffer, now: number): void {
    this.startStmt.run(id, request, now);
  }

  finish(id: Buffer, status: number, answer: Buffer): void {
    this.finishStmt.run(status, answer, id);
  }

  drop(id: Buffer): void {
    this.dropStmt.run(id);
  }

  /** Forget keys older than `before` (their sealed answers go with them). */
  purge(before: number): number {
    return this.purgeStmt.run(before).changes;
  }
}
