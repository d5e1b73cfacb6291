/**
 * What a courier collects at the keypad, one door at a time (the next opens when the last one's
 * door closes): expired parcels still in their lockers, or the returns waiting for the
 * courier's carrier (bank/returns.ts).
 */
import type { BankContext } from "../bank/context.js";
import { collectExpired } from "../bank/expiry.js";
import { collectReturn } from "../bank/returns.js";
import { isLockerdError } from "../basics/errors.js";

export type Collecting = "expired" | "returns";

/** The door opened; or none left ("done"); or some left that cannot be opened now ("stuck"). */
export type NextDoor = { parcelId: string; lockerId: string } | "done" | "stuck";

export async function openNext(ctx: BankContext, what: Collecting, carrier: string | undefined): Promise<NextDoor> {
  if (what === "returns") {
    if (!carrier) return "stuck";
    try {
      return await collectReturn(ctx, carrier);
    } catch (e) {
      if (isLockerdError(e, "NOT_FOUND")) return "done";
      throw e;
    }
  }
  const expired = ctx.store.parcels.find({ status: "EXPIRED", limit: 1000 }).filter((p) => p.inLocker && p.removedAt === null);
  const next = expired.sort((a, b) => a.expiresAt - b.expiresAt)[0];
  if (!next) return "done";
  return collectExpired(ctx, next.id);
}
