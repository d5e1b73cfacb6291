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
import type { DoorCommander } from "../doors/commander.js";
import type { Store } from "../store/store.js";
import { markLocker } from "../system/trace.js";

export function durableDoors(store: Store, doors: DoorCommander): DoorCommander {
  // What the durability rule adds. Everything else is the inner commander's own, bound to it and
  // absent where it is absent: a capability DoorCommander gains passes through unlisted.
  const own: Pick<DoorCommander, "unlock" | "pickupImminent" | "pickupNotComing"> = {
    async unlock(lockerId, intentId, opts) {
      const pickup = opts?.pickup === true;
      try {
        await store.durable({ urgent: pickup });
      } finally {
        if (pickup) store.releaseFlushes();
      }
      markLocker("usecase.durable", lockerId);
      return doors.unlock(lockerId, intentId, opts);
    },
    // the card is held even for doors without a bus to hold (GPIO)
    pickupImminent(holdMs) {
      store.holdFlushes(holdMs);
      doors.pickupImminent?.(holdMs);
    },
    pickupNotComing() {
      store.releaseFlushes();
      doors.pickupNotComing?.();
    },
  };
  return new Proxy(doors, {
    get(target, key) {
      if (Object.hasOwn(own, key)) return own[key as keyof typeof own];
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    has: (target, key) => Object.hasOwn(own, key) || Reflect.has(target, key),
  });
}
