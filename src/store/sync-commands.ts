/**
 * Commands from the central database this bank has taken on (so each is applied only once),
 * refused, or linked to the door intent that decides their outcome; and the signed command ids
 * seen, remembered until such a command would be refused as expired anyway.
 */
import type { Db } from "./database.js";

export type SyncCommandState = "started" | "done" | "failed";

export interface SyncCommandRow {
  id: number;
  kind: string;
  state: SyncCommandState;
  receivedAt: number;
  finishedAt: number | null;
  result: string | null;
  refusal: string | null;
  keyId: string | null;
  intentId: number | null;
}

const COLUMNS = `id, kind, state, received_at AS receivedAt, finished_at AS finishedAt, result, refusal, key_id AS keyId, intent_id AS intentId`;

export class SyncCommandTable {
  private readonly getStmt;
  private readonly startStmt;
  private readonly finishStmt;
  private readonly unfinishedStmt;
  private readonly refuseStmt;
  private readonly linkStmt;
  private readonly byIntentStmt;
  private readonly refusedStmt;
  private readonly opensStmt;
  private readonly seenStmt;
  private readonly rememberStmt;
  private readonly forgetStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[number], SyncCommandRow>(`SELECT ${COLUMNS} FROM sync_commands WHERE id = ?`);
    this.startStmt = db.prepare<[number, string, number, string | null]>(`INSERT INTO sync_commands (id, kind, state, received_at, key_id) VALUES (?, ?, 'started', ?, ?)`);
    this.finishStmt = db.prepare<[SyncCommandState, number, string, number]>(
      `UPDATE sync_commands SET state = ?, finished_at = ?, result = ? WHERE id = ? AND state = 'started'`,
    );
    this.unfinishedStmt = db.prepare<[], SyncCommandRow>(`SELECT ${COLUMNS} FROM sync_commands WHERE state = 'started' ORDER BY id`);
    this.refuseStmt = db.prepare<[number, string, number, number, string, string, string | null]>(
      `INSERT INTO sync_commands (id, kind, state, received_at, finished_at, result, refusal, key_id) VALUES (?, ?, 'failed', ?, ?, ?, ?, ?)`,
    );
    this.linkStmt = db.prepare<[number, number]>(`UPDATE sync_commands SET intent_id = ? WHERE id = ?`);
    this.byIntentStmt = db.prepare<[number], SyncCommandRow>(`SELECT ${COLUMNS} FROM sync_commands WHERE intent_id = ? AND state = 'started'`);
    this.refusedStmt = db.prepare<[number], SyncCommandRow>(`SELECT ${COLUMNS} FROM sync_commands WHERE refusal IS NOT NULL ORDER BY id DESC LIMIT ?`);
    this.opensStmt = db.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM sync_commands WHERE intent_id IS NOT NULL AND received_at > ?`);
    this.seenStmt = db.prepare<[string], { commandId: number }>(`SELECT command_id AS commandId FROM signed_command_ids WHERE id = ?`);
    this.rememberStmt = db.prepare<[string, number, number]>(`INSERT INTO signed_command_ids (id, command_id, forget_after) VALUES (?, ?, ?)`);
    this.forgetStmt = db.prepare<[number]>(`DELETE FROM signed_command_ids WHERE forget_after < ?`);
  }

  get(id: number): SyncCommandRow | undefined {
    return this.getStmt.get(id);
  }

  /** Inside a write transaction: claim the command (fails if it was claimed before). */
  start(id: number, kind: string, at: number, keyId: string | null = null): void {
    this.startStmt.run(id, kind, at, keyId);
  }

  finish(id: number, state: "done" | "failed", result: Record<string, unknown>, at: number): void {
    this.finishStmt.run(state, at, JSON.stringify(result), id);
  }

  /** Inside a write transaction: a command refused before it was claimed (closed at once). */
  refuse(id: number, kind: string, refusal: string, result: Record<string, unknown>, at: number, keyId: string | null): void {
    this.refuseStmt.run(id, kind, at, at, JSON.stringify(result), refusal, keyId);
  }

  /** A door command's intent: the door's outcome is the command's. */
  linkIntent(id: number, intentId: number): void {
    this.linkStmt.run(intentId, id);
  }

  /** The unfinished command an intent belongs to, if any. */
  byIntent(intentId: number): SyncCommandRow | undefined {
    return this.byIntentStmt.get(intentId);
  }

  /** The newest refused commands first. */
  refused(limit: number): SyncCommandRow[] {
    return this.refusedStmt.all(limit);
  }

  /** Remote door opens (commands that drove a door) received after `at`, or later than now by a clock set back. */
  remoteOpensSince(at: number): number {
    return this.opensStmt.get(at)!.n;
  }

  /** The central command that first brought a signed id, if it was seen. */
  seenSignedId(signedId: string): number | undefined {
    return this.seenStmt.get(signedId)?.commandId;
  }

  rememberSignedId(signedId: string, commandId: number, forgetAfter: number): void {
    this.rememberStmt.run(signedId, commandId, forgetAfter);
  }

  /** Forget signed ids whose commands are past any acceptance; returns how many. */
  forgetSignedIds(before: number): number {
    return this.forgetStmt.run(before).changes;
  }

  /** Commands claimed but never finished (the daemon stopped in between). */
  unfinished(): SyncCommandRow[] {
    return this.unfinishedStmt.all();
  }
}
