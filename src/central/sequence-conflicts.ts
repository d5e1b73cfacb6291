/**
 * The operator's view of sequence conflicts (a seq held centrally that a bank sent again with
 * other content, usually events forged with a leaked bank key) and their resolution.
 */
import type pg from "pg";

export interface SequenceConflict {
  bankId: string;
  message: string;
  /** The refused batch's first and last seq. */
  firstSeq: number | null;
  lastSeq: number | null;
  firstSeen: string;
  lastSeen: string;
  attempts: number;
  /** The highest seq the center holds for the bank. */
  heldLastSeq: number;
  keySetAt: string | null;
  /** The events the center holds from the refused batch's first seq on (up to 50). */
  held: { seq: number; type: string; at: string; receivedAt: string }[];
}

export async function listConflicts(client: pg.ClientBase, bankId?: string): Promise<SequenceConflict[]> {
  const r = await client.query<{
    bank_id: string; message: string; first_seq: string | null; last_seq: string | null; first_seen: Date; last_seen: Date; attempts: number;
    held_last_seq: string; key_set_at: Date | null;
  }>(
    `SELECT c.bank_id, c.message, c.first_seq, c.last_seq, c.first_seen, c.last_seen, c.attempts, b.last_seq AS held_last_seq, b.key_set_at
     FROM central.sequence_conflicts c JOIN central.banks b ON b.id = c.bank_id
     WHERE $1::text IS NULL OR c.bank_id = $1 ORDER BY c.last_seen DESC`,
    [bankId ?? null],
  );
  const out: SequenceConflict[] = [];
  for (const c of r.rows) {
    const held = await client.query<{ seq: string; type: string; at: Date; received_at: Date }>(
      `SELECT seq, type, at, received_at FROM central.events WHERE bank_id = $1 AND seq >= $2 ORDER BY seq LIMIT 50`,
      [c.bank_id, c.first_seq ?? 0],
    );
    out.push({
      bankId: c.bank_id,
      message: c.message,
      firstSeq: c.first_seq === null ? null : Number(c.first_seq),
      lastSeq: c.last_seq === null ? null : Number(c.last_seq),
      firstSeen: c.first_seen.toISOString(),
      lastSeen: c.last_seen.toISOString(),
      attempts: c.attempts,
      heldLastSeq: Number(c.held_last_seq),
      keySetAt: c.key_set_at?.toISOString() ?? null,
      held: held.rows.map((e) => ({ seq: Number(e.seq), type: e.type, at: e.at.toISOString(), receivedAt: e.received_at.toISOString() })),
    });
  }
  return out;
}

/**
 * The center's copy of the bank's events from `fromSeq` on is not the bank's: quarantine it,
 * rebuild the bank's projections, and let the bank send its own (it does at its next retry).
 */
export async function resolveConflict(client: pg.ClientBase, bankId: string, fromSeq: number, reason: string): Promise<{ quarantined: number; kept: number }> {
  const r = await client.query<{ quarantined: string; kept: string }>(`SELECT * FROM central.resolve_sequence_conflict($1, $2, $3)`, [bankId, fromSeq, reason]);
  return { quarantined: Number(r.rows[0]!.quarantined), kept: Number(r.rows[0]!.kept) };
}
