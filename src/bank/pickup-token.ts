/**
 * Pickup by the long random token a QR code or barcode carries (issued with the parcel next to
 * the numeric code). The token is unguessable, so this path is not attempt-limited: a vandal who
 * locks the keypad out cannot lock out customers holding a QR code.
 */
import { PICKUP_TOKEN_PATTERN } from "./codes.js";
import type { BankContext } from "./context.js";
import { invalidCode, isCollectable, openForParcel, type PickupResult, type PickupSource } from "./pickup.js";

export function looksLikePickupToken(text: string): boolean {
  return PICKUP_TOKEN_PATTERN.test(text);
}

export async function pickupByToken(ctx: BankContext, token: string, source: PickupSource): Promise<PickupResult> {
  const now = ctx.clock.now();
  const candidate = looksLikePickupToken(token) ? ctx.store.parcels.byTokenHash(ctx.codes.hashToken(token)) : undefined;
  if (!candidate || !isCollectable(candidate, now)) {
    ctx.store.write(() => {
      ctx.store.record({ type: "pickup.rejected", data: { source: source.channel, sourceId: source.id ?? null, by: "token" } }, now);
    });
    throw invalidCode();
  }
  return openForParcel(ctx, candidate.id, "pickup", now, source);
}
