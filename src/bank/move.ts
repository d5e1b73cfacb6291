/**
 * Jam contingency: a technician has taken a parcel out of a compartment whose door will not open
 * (or will not open reliably) and put it in a free one of the same size or larger; `lockerctl move
 * A03 B05` re-homes its record in one immediate transaction. The parcel keeps its code and token,
 * so the customer's code opens the new door. The old compartment is left out of service (its door
 * needs repair); the new one is occupied. Events: parcel.moved, locker.flagged for the old one
 * unless it was already out of service, and a lockers.snapshot of both so the center shows each
 * locker's state.
 */
import { LockerdError } from "../basics/errors.js";
import type { BankContext } from "./context.js";

export interface MoveResult {
  parcelId: string;
  from: string;
  to: string;
}

export function moveParcel(ctx: BankContext, from: string, to: string, reason = "door jammed"): MoveResult {
  if (from === to) throw new LockerdError("VALIDATION_FAILED", "the parcel is already in that locker: name two different lockers");
  const now = ctx.clock.now();
  const result = ctx.store.write(() => {
    const src = ctx.store.lockers.get(from);
    const dst = ctx.store.lockers.get(to);
    if (!src?.inLayout) throw new LockerdError("LOCKER_NOT_FOUND", `no locker ${from}`);
    if (!dst?.inLayout) throw new LockerdError("LOCKER_NOT_FOUND", `no locker ${to}`);
    const parcel = ctx.store.parcels.inLocker(from);
    if (!parcel || (parcel.status !== "STORED" && parcel.status !== "EXPIRED")) {
      throw new LockerdError("INVALID_STATE", `locker ${from} holds no stored parcel to move${parcel ? ` (its parcel ${parcel.id} is ${parcel.status})` : ""}`);
    }
    if (ctx.store.intents.active(from)) throw new LockerdError("LOCKER_BUSY", `locker ${from} is in the middle of a door operation; wait for it to end`);
    if (ctx.store.intents.active(to)) throw new LockerdError("LOCKER_BUSY", `locker ${to} is in the middle of a door operation`);
    const there = ctx.store.parcels.inLocker(to);
    if (there) throw new LockerdError("LOCKER_OCCUPIED", `locker ${to} holds parcel ${there.id}`, { parcelId: there.id });
    if (dst.status !== "AVAILABLE") throw new LockerdError("INVALID_STATE", `locker ${to} is ${dst.status}${dst.serviceReason ? ` (${dst.serviceReason})` : ""}; move the parcel to a free locker`);
    if (dst.sizeRank < src.sizeRank) throw new LockerdError("INVALID_STATE", `locker ${to} (${dst.size}) is smaller than ${from} (${src.size}); the parcel needs the same size or larger`);
    ctx.store.parcels.relocate(parcel.id, to);
    ctx.store.lockers.setStatus(to, "OCCUPIED", null, now);
    ctx.store.record({ type: "parcel.moved", lockerId: to, parcelId: parcel.id, data: { from, to, reason } }, now);
    const why = `inspect: ${reason}; parcel ${parcel.id} moved to ${to}`;
    if (src.status !== "OUT_OF_SERVICE") {
      ctx.store.lockers.setStatus(from, "OUT_OF_SERVICE", why, now);
      ctx.store.record({ type: "locker.flagged", lockerId: from, data: { reason: why } }, now);
    }
    const row = (id: string) => {
      const l = ctx.store.lockers.get(id)!;
      return { id, size: l.size, status: l.status, serviceReason: l.serviceReason, parcelId: ctx.store.parcels.inLocker(id)?.id ?? null };
    };
    ctx.store.record({ type: "lockers.snapshot", data: { lockers: [row(from), row(to)] } }, now);
    return { parcelId: parcel.id, from, to };
  });
  return result;
}
