/**
 * Pickup by code, through the bank's attempt limiter (there is no other way to try a code). A
 * wrong, used or expired code opens nothing, and the answer is the same for all three. A valid
 * code's door is unlocked; the code is spent only when the door opens, so a jammed door leaves it
 * usable for a retry.
 */
import type { ParcelRow } from "../store/rows.js";
import type { BankContext } from "./context.js";
import { LockerdError } from "../basics/errors.js";
import { crashPoint } from "../system/crash-points.js";
import { mark } from "../system/trace.js";
import { abortIntent } from "./door-outcomes.js";
import { limiterOf, sourceKey } from "./attempts.js";

export interface PickupResult {
  parcelId: string;
  lockerId: string;
}

/** Where a code came from, for the event log and the attempt limiter (never the code itself). */
export interface PickupSource {
  channel: "keypad" | "scanner" | "http" | "cli";
  id?: string;
}

export const invalidCode = () => new LockerdError("INVALID_CODE", "the code is not valid");

/**
 * Refused while the source is locked out; a wrong code counts against it. A wrong code is
 * rejected without any I/O, so its failure is recorded before another request's check can
 * run: concurrent requests cannot slip guesses past the limiter.
 */
export async function pickupByCode(ctx: BankContext, code: string, source: PickupSource): Promise<PickupResult> {
  const limiter = limiterOf(ctx);
  const key = sourceKey(source);
  limiter.check(key);
  const now = ctx.clock.now();
  const hash = ctx.codes.isWellFormed(code) ? ctx.codes.hash(code) : null;
  const candidate = hash ? ctx.store.parcels.byCodeHash(hash) : undefined;
  if (!candidate || !isCollectable(candidate, now) || !ctx.codes.matches(code, candidate.codeHash!)) {
    ctx.store.write(() => {
      ctx.store.record({ type: "pickup.rejected", data: { source: source.channel, sourceId: source.id ?? null } }, now);
    });
    const outcome = limiter.recordFailure(key);
    if (outcome.lockedForMs > 0) {
      throw new LockerdError("TOO_MANY_ATTEMPTS", "the code is not valid; too many failed attempts from here, try again later", { retryAfterSeconds: Math.ceil(outcome.lockedForMs / 1000) });
    }
    throw invalidCode();
  }
  return openForParcel(ctx, candidate.id, "pickup", now, source);
}

export function isCollectable(p: ParcelRow, now: number): boolean {
  return p.status === "STORED" && p.codeHash !== null && p.expiresAt > now;
}

/** Commit a pickup intent (re-checking inside the transaction), then unlock. */
export async function openForParcel(ctx: BankContext, parcelId: string, purpose: "pickup", now: number, source: PickupSource): Promise<PickupResult> {
  if (ctx.doors.unavailableLockers().has(ctx.store.parcels.get(parcelId)?.lockerId ?? "")) {
    throw new LockerdError("DOOR_UNAVAILABLE", "this locker's door cannot be opened right now; please try again later");
  }
  const { lockerId, intentId } = ctx.store.write(() => {
    const parcel = ctx.store.parcels.get(parcelId);
    if (!parcel || !isCollectable(parcel, now)) throw invalidCode();
    const active = ctx.store.intents.active(parcel.lockerId);
    if (active && !(active.purpose === purpose && active.parcelId === parcelId)) {
      throw new LockerdError("LOCKER_BUSY", "the locker is in the middle of another door operation");
    }
    // A repeated code while the first unlock is still pending pulses the same intent again.
    const id = active?.id ?? ctx.store.intents.create(parcel.lockerId, parcel.id, purpose, now);
    ctx.store.record({ type: "pickup.requested", lockerId: parcel.lockerId, parcelId: parcel.id, data: { source: source.channel, sourceId: source.id ?? null } }, now);
    return { lockerId: parcel.lockerId, intentId: id };
  });
  crashPoint("pickup.committed");
  mark("usecase.committed", lockerId);
  try {
    await ctx.doors.unlock(lockerId, intentId, { pickup: true });
    crashPoint("pickup.unlocked");
  } catch (e) {
    abortIntent(ctx, intentId, "unlock_failed", e);
    throw e;
  }
  return { parcelId, lockerId };
}
