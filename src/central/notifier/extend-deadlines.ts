/**
 * The operator's bulk rule: every live parcel's deadline at a bank (or at every bank) later by
 * N hours (a storm, a holiday). It makes one extend_deadline command per parcel through the
 * one function that creates bank commands; the reminders follow the new deadlines once the
 * banks report them (see decide.ts).
 */
import type pg from "pg";
import { createBankCommands } from "../service/bank-commands.js";

export interface ExtendRequest {
  /** null: every bank. */
  bankId: string | null;
  hours: number;
  createdBy: string;
}

const BATCH = 1000;

export async function extendDeadlines(pool: pg.Pool, req: ExtendRequest): Promise<{ commands: number; banks: number }> {
  let commands = 0;
  const banks = new Set<string>();
  // keyset over (bank, parcel), a transaction per batch: bounded work, whatever the fleet's size
  let after: [string, string] = ["", ""];
  for (;;) {
    const r = await pool.query<{ bank_id: string; parcel_id: string; expires_at: Date }>(
      `SELECT bank_id, parcel_id, expires_at FROM central.parcels
       WHERE status IN ('ASSIGNED', 'STORED') AND expires_at IS NOT NULL
         AND ($1::text IS NULL OR bank_id = $1) AND (bank_id, parcel_id) > ($2, $3)
       ORDER BY bank_id, parcel_id LIMIT $4`,
      [req.bankId, after[0], after[1], BATCH],
    );
    if (r.rows.length === 0) break;
    const ids = await createBankCommands(
      pool,
      r.rows.map((p) => ({
        bankId: p.bank_id,
        kind: "extend_deadline" as const,
        args: { parcelId: p.parcel_id, expiresAt: new Date(p.expires_at.getTime() + req.hours * 3_600_000).toISOString() },
        createdBy: req.createdBy,
      })),
    );
    commands += ids.length;
    for (const p of r.rows) banks.add(p.bank_id);
    const last = r.rows[r.rows.length - 1]!;
    after = [last.bank_id, last.parcel_id];
    if (r.rows.length < BATCH) break;
  }
  return { commands, banks: banks.size };
}
