/**
 * Issuing a pass: signed here with the service's pass key (the text goes back to the caller
 * once and is never stored), recorded in central.passes without anything that could sign.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { LockerdError } from "../../basics/errors.js";
import { PassFormatError, signPass, type PassFields } from "../../signing/pass.js";
import type { PassKey } from "./settings.js";
import { getPass, type PassView } from "./views.js";

export interface IssueRequest {
  fields: Omit<PassFields, "passId">;
  /** Who it is for: a courier's carrier:courierId, a technician's technician/id; null for a return. */
  subject: string | null;
  /** Whom the stored return is confirmed to. */
  contact?: { email?: string | undefined; phone?: string | undefined; language: string } | undefined;
  issuedBy: string;
}

export interface Issued {
  pass: PassView;
  /** The signed pass: what the QR code carries and the bank's scanner reads. */
  text: string;
}

/** Whole seconds, as the pass carries them. */
const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;

export async function issuePass(c: pg.ClientBase, key: PassKey, req: IssueRequest): Promise<Issued> {
  const f = req.fields;
  const fields: PassFields = { ...f, passId: randomBytes(16).toString("hex"), notBefore: seconds(f.notBefore), notAfter: seconds(f.notAfter) };
  if (fields.banks.length > 0) {
    const known = await c.query<{ id: string }>("SELECT id FROM central.banks WHERE id = ANY($1::text[])", [fields.banks]);
    const missing = fields.banks.filter((b) => !known.rows.some((r) => r.id === b));
    if (missing.length) throw new LockerdError("NOT_FOUND", `no bank ${missing.join(", ")}`, { field: "banks", missing });
  }
  if (req.subject !== null) {
    const revoked = await c.query<{ not_after: Date }>("SELECT max(not_after) AS not_after FROM central.pass_revocations WHERE subject = $1 AND not_after > now()", [req.subject]);
    const until = revoked.rows[0]?.not_after;
    if (until) {
      throw new LockerdError("INVALID_STATE", `${req.subject} is revoked until ${until.toISOString()}: banks would refuse any pass of theirs before then`, { subject: req.subject, revokedUntil: until.toISOString() });
    }
  }
  let text: string;
  try {
    text = signPass(fields, key.privateKey);
  } catch (e) {
    if (e instanceof PassFormatError) throw new LockerdError("VALIDATION_FAILED", e.message, { field: "body" });
    throw e;
  }
  const ret = fields.return;
  await c.query(
    `INSERT INTO central.passes (pass_id, kind, banks, not_before, not_after, one_time, subject, carrier, reference, size, reachable,
                                 email, phone, language, key_id, issued_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      fields.passId,
      fields.kind,
      fields.banks,
      new Date(fields.notBefore),
      new Date(fields.notAfter),
      fields.oneTime,
      req.subject,
      ret?.carrier ?? fields.courier?.carrier ?? null,
      ret?.reference ?? null,
      ret?.size ?? null,
      ret ? ret.reachable === true : null,
      req.contact?.email ?? null,
      req.contact?.phone ?? null,
      req.contact?.language ?? "en",
      key.keyId,
      req.issuedBy,
    ],
  );
  return { pass: (await getPass(c, fields.passId))!, text };
}
