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
  // What the durability rule adds. Everything else is the inner commander's own methods, bound
  // to it (and absent where it has none): a capability DoorCommander gains passes through unlisted.
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
  return { ...boundMethods(doors), ...own };
}

/** The members of T that are methods (a non-method member would not pass through: a type error). */
type Methods<T> = { [K in keyof T as T[K] extends ((...args: never[]) => unknown) | undefined ? K : never]: T[K] };

/** The object's methods, its own and its class's (the prototype chain), each bound to it. */
function boundMethods<T extends object>(o: T): Methods<T> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (let p: object | null = o; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (seen.has(key) || key === "constructor") continue;
      seen.add(key);
      const value: unknown = Object.getOwnPropertyDescriptor(p, key)?.value;
      if (typeof value === "function") out[key] = (value as (...args: unknown[]) => unknown).bind(o);
    }
  }
  return out as Methods<T>;
}
