/**
 * A lockers.snapshot event: every locker's size and status as the bank sees it, recorded when
 * sync starts, so the central projection knows lockers no event has mentioned yet (and any
 * drift is corrected in seq order with everything else).
 */
import type { BankContext } from "../bank/context.js";

export function recordLockerSnapshot(ctx: BankContext): number {
  const now = ctx.clock.now();
  return ctx.store.write(() => {
    const lockers = ctx.store.lockers.list().map((l) => ({
      id: l.id,
      size: l.size,
      status: l.status,
      serviceReason: l.serviceReason,
      parcelId: ctx.store.parcels.inLocker(l.id)?.id ?? null,
    }));
    return ctx.store.record({ type: "lockers.snapshot", data: { lockers } }, now).seq;
  });
}
