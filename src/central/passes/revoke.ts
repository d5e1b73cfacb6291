/**
 * Revoking passes: one pass by id, or every pass of a courier (by subject, carrier:courierId).
 * A revocation is recorded through central.revoke_pass (ids commit in order, see migration 6)
 * and reaches each bank at its next sync; it is kept until what it revokes has expired.
 */
import type pg from "pg";
import { LockerdError } from "../../basics/errors.js";
import { toRevocationView, type RevocationView } from "./views.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export async function revokePass(c: pg.ClientBase, passId: string, by: string, reason: string | null, now: number): Promise<RevocationView> {
  await c.query("BEGIN");
  try {
    const p = await c.query<{ banks: string[]; not_after: Date; revoked_at: Date | null; subject: string | null }>(
      "SELECT banks, not_after, revoked_at, subject FROM central.passes WHERE pass_id = $1 FOR UPDATE",
      [passId],
    );
    const pass = p.rows[0];
    if (!pass) throw new LockerdError("NOT_FOUND", `no pass ${passId}`);
    if (pass.revoked_at) {
      // revoked already (by id or with its courier): the live revocation that covers it
      const held = await c.query("SELECT * FROM central.pass_revocations WHERE pass_id = $1 OR subject = $2 ORDER BY id LIMIT 1", [passId, pass.subject]);
      await c.query("COMMIT");
      return toRevocationView(held.rows[0] as Record<string, unknown>);
    }
    // a bank with an unsynced clock honours a pass up to its clock grace (at most a day) longer
    if (pass.not_after.getTime() + DAY <= now) throw new LockerdError("INVALID_STATE", `pass ${passId} expired at ${pass.not_after.toISOString()}: every bank refuses it already`);
    await c.query("UPDATE central.passes SET revoked_at = $2, revoked_by = $3 WHERE pass_id = $1", [passId, new Date(now), by]);
    const id = (await c.query<{ id: string }>("SELECT central.revoke_pass($1, NULL, $2, $3, $4, $5) AS id", [passId, pass.banks, pass.not_after, reason, by])).rows[0]!.id;
    const r = await c.query("SELECT * FROM central.pass_revocations WHERE id = $1", [id]);
    await c.query("COMMIT");
    return toRevocationView(r.rows[0] as Record<string, unknown>);
  } catch (e) {
    await c.query("ROLLBACK");
    throw e;
  }
}

/**
 * Every pass of a courier (subject carrier:courierId) or a technician (technician/id), at every
 * bank: kept until the latest of their passes' ends, and at least `minHours` (a pass this
 * center does not know of, issued by another with the same key, is refused too until then).
 * Passes for them issued meanwhile are refused here (issuePass).
 */
export async function revokeSubject(c: pg.ClientBase, subject: string, by: string, reason: string | null, now: number, minHours: number): Promise<{ revocation: RevocationView; passes: number }> {
  await c.query("BEGIN");
  try {
    const marked = await c.query<{ not_after: Date }>(
      "UPDATE central.passes SET revoked_at = $2, revoked_by = $3 WHERE subject = $1 AND revoked_at IS NULL AND not_after > $2 RETURNING not_after",
      [subject, new Date(now), by],
    );
    const latest = Math.max(now + minHours * HOUR, ...marked.rows.map((r) => r.not_after.getTime()));
    const id = (await c.query<{ id: string }>("SELECT central.revoke_pass(NULL, $1, '{}', $2, $3, $4) AS id", [subject, new Date(latest), reason, by])).rows[0]!.id;
    const r = await c.query("SELECT * FROM central.pass_revocations WHERE id = $1", [id]);
    await c.query("COMMIT");
    return { revocation: toRevocationView(r.rows[0] as Record<string, unknown>), passes: marked.rowCount ?? 0 };
  } catch (e) {
    await c.query("ROLLBACK");
    throw e;
  }
}
