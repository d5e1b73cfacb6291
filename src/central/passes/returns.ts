/**
 * Returns the banks reported stored (central.returns, from their return.stored events), with
 * whether they were collected and how the customer's confirmation went: where a carrier's
 * couriers have returns to collect.
 */
import type pg from "pg";
import { z } from "zod";

export const returnView = z
  .object({
    bankId: z.string(),
    parcelId: z.string().meta({ description: "the bank's id for the return" }),
    lockerId: z.string().nullable(),
    passId: z.string().nullable(),
    reference: z.string().nullable(),
    size: z.string().nullable(),
    carrier: z.string().nullable(),
    storedAt: z.string(),
    collectedAt: z.string().nullable(),
    confirmation: z
      .array(z.object({ channel: z.enum(["email", "sms"]), status: z.enum(["pending", "sending", "sent", "dead", "skipped"]) }).strict())
      .meta({ description: "the notifier's messages to the customer (none: the pass named no one, or is not yet planned)" }),
  })
  .strict()
  .meta({ id: "StoredReturn" });
export type ReturnView = z.infer<typeof returnView>;

export interface ReturnFilter {
  bankId?: string | undefined;
  carrier?: string | undefined;
  state: "stored" | "collected" | "all";
  limit: number;
}

export async function listReturns(db: pg.Pool | pg.ClientBase, f: ReturnFilter): Promise<ReturnView[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT r.*, COALESCE((SELECT json_agg(json_build_object('channel', n.channel, 'status', n.status) ORDER BY n.channel)
                           FROM central.notifications n
                           WHERE n.bank_id = r.bank_id AND n.parcel_id = r.parcel_id AND n.kind = 'return_stored'), '[]') AS confirmation
     FROM central.returns r
     WHERE ($1::text IS NULL OR r.bank_id = $1) AND ($2::text IS NULL OR r.carrier = $2)
       AND ($3 = 'all' OR ($3 = 'stored') = (r.collected_at IS NULL))
     ORDER BY r.stored_at DESC, r.bank_id, r.parcel_id LIMIT $4`,
    [f.bankId ?? null, f.carrier ?? null, f.state, f.limit],
  );
  const at = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
  return r.rows.map((x) => ({
    bankId: x.bank_id as string,
    parcelId: x.parcel_id as string,
    lockerId: (x.locker_id as string | null) ?? null,
    passId: (x.pass_id as string | null) ?? null,
    reference: (x.reference as string | null) ?? null,
    size: (x.size as string | null) ?? null,
    carrier: (x.carrier as string | null) ?? null,
    storedAt: at(x.stored_at)!,
    collectedAt: at(x.collected_at),
    confirmation: x.confirmation as ReturnView["confirmation"],
  }));
}
