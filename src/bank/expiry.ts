/**
 * Expiry: stored parcels past their deadline become EXPIRED and their code stops working. The
 * parcel stays in its locker until an operator or courier collects it (collectExpired).
 */
import type { BankContext } from "./context.js";
import { LockerdError } from "../basics/errors.js";
import { abortIntent } from "./door-outcomes.js";

/** Expire every parcel whose deadline has passed; returns their ids. */
export function expireDue(ctx: BankContext): string[] {
  const now = ctx.clock.now();
  return ctx.store.write(() => {
    const due = ctx.store.parcels.due(now);
    for (const p of due) {
      ctx.store.parcels.update(p.id, { status: "EXPIRED", stamp: "expired_at", at: now, dropCode: true });
      ctx.store.record({ type: "parcel.expired", lockerId: p.lockerId, parcelId: p.id, data: { expiresAt: p.expiresAt } }, now);
    }
    return due.map((p) => p.id);
  });
}

/** Open an expired parcel's door so it can be taken away; the locker frees when it closes. */
export async function collectExpired(ctx: BankContext, parcelId: string): Promise<{ parcelId: string; lockerId: string }> {
  const now = ctx.clock.now();
  const { lockerId, intentId } = ctx.store.write(() => {
    const p = ctx.store.parcels.get(parcelId);
    if (!p) throw new LockerdError("PARCEL_NOT_FOUND", `no parcel ${parcelId}`);
    if (p.status !== "EXPIRED" || !p.inLocker) {
      throw new LockerdError("INVALID_STATE", `parcel ${parcelId} is ${p.status}${p.inLocker ? "" : " and no longer in a locker"}; only an expired parcel still in its locker can be collected`);
    }
    const active = ctx.store.intents.active(p.lockerId);
    if (active) throw new LockerdError("LOCKER_BUSY", `locker ${p.lockerId} is in the middle of a door operation`);
    const id = ctx.store.intents.create(p.lockerId, p.id, "collect", now);
    ctx.store.record({ type: "parcel.collect_requested", lockerId: p.lockerId, parcelId: p.id }, now);
    return { lockerId: p.lockerId, intentId: id };
  });
  try {
    await ctx.doors.unlock(lockerId, intentId);
  } catch (e) {
    abortIntent(ctx, intentId, "unlock_failed", e);
    throw e;
  }
  return { parcelId, lockerId };
}

/** Extend a parcel's pickup deadline (an EXPIRED parcel cannot be revived: its code is gone). */
export function extendDeadline(ctx: BankContext, parcelId: string, expiresAt: number): void {
  const now = ctx.clock.now();
  ctx.store.write(() => {
    const p = ctx.store.parcels.get(parcelId);
    if (!p) throw new LockerdError("PARCEL_NOT_FOUND", `no parcel ${parcelId}`);
    if (p.status !== "STORED" && p.status !== "ASSIGNED") throw new LockerdError("INVALID_STATE", `parcel ${parcelId} is ${p.status}; only a live parcel's deadline can change`);
    if (expiresAt <= now) throw new LockerdError("VALIDATION_FAILED", "the new deadline must be in the future", { field: "expiresAt" });
    ctx.store.parcels.update(p.id, { at: now, expiresAt });
    ctx.store.record({ type: "parcel.deadline_changed", lockerId: p.lockerId, parcelId: p.id, data: { from: p.expiresAt, to: expiresAt } }, now);
  });
}
