/**
 * Operator actions on lockers and assignments: out of service and back, a technician's door
 * opening, and cancelling an assignment that was never stored.
 */
import type { LockerRow } from "../store/rows.js";
import type { BankContext } from "./context.js";
import { LockerdError } from "../basics/errors.js";
import { abortIntent } from "./door-outcomes.js";

function lockerOrThrow(ctx: BankContext, lockerId: string): LockerRow {
  const l = ctx.store.lockers.get(lockerId);
  if (!l || !l.inLayout) throw new LockerdError("LOCKER_NOT_FOUND", `no locker ${lockerId}`);
  return l;
}

export function setOutOfService(ctx: BankContext, lockerId: string, reason: string, opts: { force?: boolean } = {}): void {
  const now = ctx.clock.now();
  ctx.store.write(() => {
    const locker = lockerOrThrow(ctx, lockerId);
    const parcel = ctx.store.parcels.inLocker(lockerId);
    if (parcel && !opts.force) {
      throw new LockerdError("LOCKER_OCCUPIED", `locker ${lockerId} holds parcel ${parcel.id} (${parcel.status}); use force to take it out of service anyway`, { parcelId: parcel.id });
    }
    if (locker.status === "OUT_OF_SERVICE" && locker.serviceReason === reason) return;
    ctx.store.lockers.setStatus(lockerId, "OUT_OF_SERVICE", reason, now);
    ctx.store.record({ type: "locker.out_of_service", lockerId, parcelId: parcel?.id ?? null, data: { reason, holdingParcel: parcel?.id ?? null } }, now);
  });
}

export function setInService(ctx: BankContext, lockerId: string): void {
  const now = ctx.clock.now();
  ctx.store.write(() => {
    const locker = lockerOrThrow(ctx, lockerId);
    if (locker.status !== "OUT_OF_SERVICE") return;
    const parcel = ctx.store.parcels.inLocker(lockerId);
    // A deposit cancelled while its door is still open holds the locker as a reservation until
    // the door closes, exactly like one still under way.
    const status = !parcel ? "AVAILABLE" : parcel.status === "ASSIGNED" || parcel.status === "CANCELLED" ? "RESERVED" : "OCCUPIED";
    ctx.store.lockers.setStatus(lockerId, status, null, now);
    ctx.store.lockers.setFailedOpens(lockerId, 0, now);
    // Put back after a repair: its fault counters start again (bank/health.ts); cycles stay.
    ctx.store.health.resetFaults(lockerId, now);
    ctx.store.record({ type: "locker.in_service", lockerId, data: { status } }, now);
  });
}

/** A technician opens a door. An occupied locker needs force (the parcel stays as it is). */
export async function technicianOpen(ctx: BankContext, lockerId: string, opts: { force?: boolean } = {}): Promise<{ lockerId: string; intentId: number }> {
  const now = ctx.clock.now();
  const intentId = ctx.store.write(() => {
    lockerOrThrow(ctx, lockerId);
    const parcel = ctx.store.parcels.inLocker(lockerId);
    if (parcel && !opts.force) throw new LockerdError("LOCKER_OCCUPIED", `locker ${lockerId} holds parcel ${parcel.id}; use force to open it anyway`, { parcelId: parcel.id });
    if (ctx.store.intents.active(lockerId)) throw new LockerdError("LOCKER_BUSY", `locker ${lockerId} is in the middle of a door operation`);
    const id = ctx.store.intents.create(lockerId, null, "technician", now);
    ctx.store.record({ type: "door.technician_open", lockerId, parcelId: parcel?.id ?? null, data: { forced: Boolean(parcel) } }, now);
    return id;
  });
  try {
    await ctx.doors.unlock(lockerId, intentId);
  } catch (e) {
    abortIntent(ctx, intentId, "unlock_failed", e);
    throw e;
  }
  return { lockerId, intentId };
}

/**
 * Cancel an assignment that has not been stored. If the door has not opened yet or is open
 * now, the locker is freed when the door supervisor reports the outcome (timeout or close).
 */
export function cancelAssignment(ctx: BankContext, parcelId: string, reason = "cancelled"): void {
  const now = ctx.clock.now();
  ctx.store.write(() => {
    const p = ctx.store.parcels.get(parcelId);
    if (!p) throw new LockerdError("PARCEL_NOT_FOUND", `no parcel ${parcelId}`);
    if (p.status !== "ASSIGNED") throw new LockerdError("INVALID_STATE", `parcel ${parcelId} is ${p.status}; only an assignment not yet stored can be cancelled`);
    ctx.store.parcels.update(p.id, { status: "CANCELLED", stamp: "cancelled_at", at: now, dropCode: true });
    ctx.store.record({ type: "parcel.cancelled", lockerId: p.lockerId, parcelId: p.id, data: { reason } }, now);
    if (!ctx.store.intents.active(p.lockerId)) {
      ctx.store.parcels.update(p.id, { at: now, release: true });
      const locker = ctx.store.lockers.get(p.lockerId);
      if (locker?.status === "RESERVED") ctx.store.lockers.setStatus(p.lockerId, "AVAILABLE", null, now);
      ctx.store.record({ type: "locker.released", lockerId: p.lockerId, parcelId: p.id }, now);
    }
  });
}

