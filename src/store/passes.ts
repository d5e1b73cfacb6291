/**
 * Pass revocations (from the center, with sync) and spent one-time passes. A revocation is kept
 * until the pass it names would have expired anyway (prune), so the table stays small. Prepared
 * on first use: the CLI's read-only fallback may open a file older than migration 7.
 */
import type { Db } from "./database.js";

export interface PassRevocation {
  /** The center's id: revocations arrive in its order, and the bank asks for those after the last. */
  revocationId: number;
  /** One pass; or null with a subject. */
  passId: string | null;
  /** Every pass of a subject: a courier's "carrier:courierId". */
  subject: string | null;
  /** When the longest pass it could concern expires: kept until then. */
  notAfter: number;
}

export interface SpentPass {
  passId: string;
  kind: string;
  spentAt: number;
  notAfter: number;
  intentId: number | null;
}

function prepare(db: Db) {
  return {
    addRevocation: db.prepare(
      `INSERT INTO pass_revocations (revocation_id, pass_id, subject, not_after, received_at)
       VALUES (@revocationId, @passId, @subject, @notAfter, @now) ON CONFLICT(revocation_id) DO NOTHING`,
    ),
    lastRevocation: db.prepare<[], { id: number | null }>(`SELECT max(revocation_id) AS id FROM pass_revocations`),
    revokedPass: db.prepare<[string], { n: number }>(`SELECT 1 AS n FROM pass_revocations WHERE pass_id = ? LIMIT 1`),
    revokedSubject: db.prepare<[string], { n: number }>(`SELECT 1 AS n FROM pass_revocations WHERE subject = ? LIMIT 1`),
    pruneRevocations: db.prepare<[number]>(`DELETE FROM pass_revocations WHERE not_after <= ? AND revocation_id < (SELECT max(revocation_id) FROM pass_revocations)`),
    spent: db.prepare<[string], SpentPass>(
      `SELECT pass_id AS passId, kind, spent_at AS spentAt, not_after AS notAfter, intent_id AS intentId FROM spent_passes WHERE pass_id = ?`,
    ),
    spend: db.prepare(`INSERT INTO spent_passes (pass_id, kind, spent_at, not_after, intent_id) VALUES (@passId, @kind, @spentAt, @notAfter, @intentId)`),
    unspendIntent: db.prepare<[number]>(`DELETE FROM spent_passes WHERE intent_id = ?`),
    pruneSpent: db.prepare<[number]>(`DELETE FROM spent_passes WHERE not_after <= ?`),
  };
}

export class PassTable {
  private stmts: ReturnType<typeof prepare> | null = null;

  constructor(private readonly db: Db) {}

  private get s(): ReturnType<typeof prepare> {
    return (this.stmts ??= prepare(this.db));
  }

  /** Inside a write transaction: store revocations pulled from the center (a row seen before is ignored). */
  addRevocations(rows: readonly { revocationId: number; passId: string | null; subject: string | null; notAfter: number }[], now = Date.now()): void {
    for (const r of rows) this.s.addRevocation.run({ ...r, now });
  }

  /** The highest revocation id held: the next pull asks for those after it (0: none yet). */
  lastRevocationId(): number {
    return this.s.lastRevocation.get()?.id ?? 0;
  }

  /** Whether the pass, or any pass of the subject, is revoked. */
  isRevoked(passId: string, subject: string | null): boolean {
    if (this.s.revokedPass.get(passId)) return true;
    return subject !== null && this.s.revokedSubject.get(subject) !== undefined;
  }

  /**
   * Inside a write transaction: drop revocations and spent passes whose pass has expired anyway.
   * The newest revocation is kept whatever its age, so lastRevocationId() never goes back.
   */
  prune(now: number): number {
    return this.s.pruneRevocations.run(now).changes + this.s.pruneSpent.run(now).changes;
  }

  spent(passId: string): SpentPass | undefined {
    return this.s.spent.get(passId);
  }

  /** Inside the write transaction that creates the door intent the pass opens. */
  spend(p: { passId: string; kind: string; notAfter: number; intentId: number | null }, now: number): void {
    this.s.spend.run({ ...p, spentAt: now });
  }

  /** Inside a write transaction: the door the pass was spent on never opened, so it was not used. */
  unspendForIntent(intentId: number): number {
    return this.s.unspendIntent.run(intentId).changes;
  }
}
