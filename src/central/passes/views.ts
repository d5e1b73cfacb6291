/** What lockerd-central shows of a pass it issued and of a revocation (never the pass text: it is not kept). */
import type pg from "pg";
import { z } from "zod";

const iso = z.string().nullable();

export const passView = z
  .object({
    passId: z.string(),
    kind: z.enum(["return", "courier", "technician"]),
    banks: z.array(z.string()).meta({ description: "the banks it opens at; empty: any bank" }),
    notBefore: z.string(),
    notAfter: z.string(),
    oneTime: z.boolean(),
    subject: z.string().nullable().meta({ description: "courier: carrier:courierId; technician: technician/id (as the bank names them)" }),
    carrier: z.string().nullable(),
    reference: z.string().nullable(),
    size: z.string().nullable(),
    reachable: z.boolean().nullable(),
    confirmTo: z.array(z.enum(["email", "sms"])).meta({ description: "where the notifier confirms the stored return" }),
    keyId: z.string(),
    issuedBy: z.string(),
    issuedAt: z.string(),
    revokedAt: iso,
    revokedBy: z.string().nullable(),
    returned: z
      .object({ bankId: z.string(), lockerId: z.string().nullable(), parcelId: z.string(), storedAt: z.string(), collectedAt: iso })
      .strict()
      .nullable()
      .meta({ description: "a return: where the bank reported it stored (and collected)" }),
  })
  .strict()
  .meta({ id: "Pass" });
export type PassView = z.infer<typeof passView>;

export const revocationView = z
  .object({
    id: z.number().int(),
    passId: z.string().nullable(),
    subject: z.string().nullable(),
    banks: z.array(z.string()),
    notAfter: z.string().meta({ description: "kept (and sent to banks) until then: what it revokes has expired by then" }),
    reason: z.string().nullable(),
    revokedBy: z.string(),
    revokedAt: z.string(),
  })
  .strict()
  .meta({ id: "PassRevocation" });
export type RevocationView = z.infer<typeof revocationView>;

type Row = Record<string, unknown>;
const at = (v: unknown) => (v instanceof Date ? v.toISOString() : null);

export const PASS_SELECT = `
  SELECT p.*, r.bank_id AS r_bank, r.locker_id AS r_locker, r.parcel_id AS r_parcel, r.stored_at AS r_stored, r.collected_at AS r_collected
  FROM central.passes p
  LEFT JOIN LATERAL (SELECT * FROM central.returns x WHERE x.pass_id = p.pass_id ORDER BY x.stored_at LIMIT 1) r ON p.kind = 'return'`;

export function toPassView(x: Row): PassView {
  return {
    passId: x.pass_id as string,
    kind: x.kind as PassView["kind"],
    banks: x.banks as string[],
    notBefore: at(x.not_before)!,
    notAfter: at(x.not_after)!,
    oneTime: x.one_time as boolean,
    subject: (x.subject as string | null) ?? null,
    carrier: (x.carrier as string | null) ?? null,
    reference: (x.reference as string | null) ?? null,
    size: (x.size as string | null) ?? null,
    reachable: (x.reachable as boolean | null) ?? null,
    confirmTo: [...(x.email ? (["email"] as const) : []), ...(x.phone ? (["sms"] as const) : [])],
    keyId: x.key_id as string,
    issuedBy: x.issued_by as string,
    issuedAt: at(x.issued_at)!,
    revokedAt: at(x.revoked_at),
    revokedBy: (x.revoked_by as string | null) ?? null,
    returned: x.r_bank
      ? { bankId: x.r_bank as string, lockerId: (x.r_locker as string | null) ?? null, parcelId: x.r_parcel as string, storedAt: at(x.r_stored)!, collectedAt: at(x.r_collected) }
      : null,
  };
}

export function toRevocationView(x: Row): RevocationView {
  return {
    id: Number(x.id),
    passId: (x.pass_id as string | null) ?? null,
    subject: (x.subject as string | null) ?? null,
    banks: x.banks as string[],
    notAfter: at(x.not_after)!,
    reason: (x.reason as string | null) ?? null,
    revokedBy: x.revoked_by as string,
    revokedAt: at(x.revoked_at)!,
  };
}

export async function getPass(db: pg.ClientBase | pg.Pool, passId: string): Promise<PassView | null> {
  const r = await db.query(`${PASS_SELECT} WHERE p.pass_id = $1`, [passId]);
  return r.rows[0] ? toPassView(r.rows[0] as Row) : null;
}

export interface PassFilter {
  kind?: "return" | "courier" | "technician" | undefined;
  subject?: string | undefined;
  carrier?: string | undefined;
  reference?: string | undefined;
  /** Issued before this pass (paging, newest first). */
  before?: string | undefined;
  limit: number;
}

export async function listPasses(db: pg.ClientBase | pg.Pool, f: PassFilter): Promise<PassView[]> {
  const r = await db.query(
    `${PASS_SELECT}
     WHERE ($1::text IS NULL OR p.kind = $1) AND ($2::text IS NULL OR p.subject = $2) AND ($3::text IS NULL OR p.carrier = $3)
       AND ($4::text IS NULL OR p.reference = $4)
       AND ($5::text IS NULL OR (p.issued_at, p.pass_id) < (SELECT b.issued_at, b.pass_id FROM central.passes b WHERE b.pass_id = $5))
     ORDER BY p.issued_at DESC, p.pass_id DESC LIMIT $6`,
    [f.kind ?? null, f.subject ?? null, f.carrier ?? null, f.reference ?? null, f.before ?? null, f.limit],
  );
  return r.rows.map((x) => toPassView(x as Row));
}

export async function listRevocations(db: pg.ClientBase | pg.Pool, opts: { live: boolean; limit: number }): Promise<RevocationView[]> {
  const r = await db.query(`SELECT * FROM central.pass_revocations WHERE NOT $1 OR not_after > now() ORDER BY id DESC LIMIT $2`, [opts.live, opts.limit]);
  return r.rows.map((x) => toRevocationView(x as Row));
}
