/**
 * A door that opened with no unlock: forced while the bank watched, found open the first time
 * its position was known (its lock board did not answer since the daemon started), or standing
 * open at start with nothing under way. Each is an alarm.door_forced naming what the database
 * says the locker should hold, so a person knows whether a parcel may be gone. A locker that
 * holds a parcel is also flagged for inspection: taken out of service (never offered to a new
 * parcel, even once this one is collected) while its pickup still works, with locker.flagged,
 * which the center shows as the locker's state.
 */
import type { BankContext } from "./context.js";

export type ForcedHow = "opened" | "found_open" | "open_at_start";

export function doorForced(ctx: BankContext, lockerId: string, how: ForcedHow): void {
  const now = ctx.clock.now();
  ctx.store.write(() => {
    const locker = ctx.store.lockers.get(lockerId);
    const parcel = ctx.store.parcels.inLocker(lockerId);
    // STORED or EXPIRED: the parcel is (or was) behind that door. ASSIGNED: reserved, perhaps deposited.
    const holdsParcel = parcel?.status === "STORED" || parcel?.status === "EXPIRED";
    ctx.store.record(
      {
        type: "alarm.door_forced",
        lockerId,
        parcelId: parcel?.id ?? null,
        data: { ...(how === "opened" ? {} : { foundOpen: true }), how, holdsParcel, lockerStatus: locker?.status ?? null, parcelStatus: parcel?.status ?? null },
      },
      now,
    );
    if (holdsParcel && locker && locker.status !== "OUT_OF_SERVICE") {
      const reason = `inspect: door ${how === "opened" ? "forced open" : "found open"} while holding parcel ${parcel.id}`;
      ctx.store.lockers.setStatus(lockerId, "OUT_OF_SERVICE", reason, now);
      ctx.store.record({ type: "locker.flagged", lockerId, parcelId: parcel.id, data: { reason, parcelStatus: parcel.status } }, now);
    }
  });
}

/** Kept for callers of the earlier name: a door found open the first time its position was known. */
export function doorFoundOpen(ctx: BankContext, lockerId: string): void {
  doorForced(ctx, lockerId, "found_open");
}
