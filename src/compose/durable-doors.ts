/**
 * The door commander the use cases are handed: the supervisor's, with one rule in front of it.
 * A door opens only for an intent that is on disk: its unlock waits for the store's flush
 * (Store.durable; see store/wal-flush.ts). A power cut before that loses the intent, and no
 * door moved for it.
 *
 * A pickup about to come holds the card as well as the bus: no flush or checkpoint for anyone
 * else starts until the pickup's own urgent flush is done or the pickup is not coming
 * (Store.holdFlushes, bounded there): from a scan's first byte and from a whole code typed, as
 * long as the bus is held (pickupImminent). Not from the first digit: that held every answer and
 * courier's door for as long as a person types (in the benchmark's flood, 473 rounds instead of
 * about 27,000), to save the rare card stall that began before the last digit.
 */
import type { DoorCommander, UnlockOptions } from "../doors/commander.js";
import type { Store } from "../store/store.js";
import { markLocker } from "../system/trace.js";

export function durableDoors(store: Store, doors: DoorCommander): DoorCommander {
  const commander: DoorCommander = {
    async unlock(lockerId: string, intentId: number, opts?: UnlockOptions): Promise<void> {
      const pickup = opts?.pickup === true;
      try {
        await store.durable({ urgent: pickup });
      } finally {
        if (pickup) store.releaseFlushes();
      }
      markLocker("usecase.durable", lockerId);
      return doors.unlock(lockerId, intentId, opts);
    },
    unavailableLockers: () => doors.unavailableLockers(),
    openUnattended: () => doors.openUnattended(),
  };
  if (doors.itemPresent) commander.itemPresent = (id) => doors.itemPresent!(id);
  if (doors.expectUnlock) commander.expectUnlock = () => doors.expectUnlock!();
  commander.pickupImminent = (holdMs) => {
    store.holdFlushes(holdMs);
    doors.pickupImminent?.(holdMs);
  };
  commander.pickupNotComing = () => {
    store.releaseFlushes();
    doors.pickupNotComing?.();
  };
  return commander;
}
