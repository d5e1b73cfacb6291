/**
 * A door found open the first time its position is known (its lock board did not answer since
 * the daemon started). Nothing under way could have opened it (an unlock needs the board), so
 * it opened unseen: reported as a forced door, with what the database says the locker should
 * hold so that a person knows whether a parcel may be gone.
 */
import type { BankContext } from "./context.js";

export function doorFoundOpen(ctx: BankContext, lockerId: string): void {
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
        data: { foundOpen: true, holdsParcel, lockerStatus: locker?.status ?? null, parcelStatus: parcel?.status ?? null },
      },
      now,
    );
  });
}
