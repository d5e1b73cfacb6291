/**
 * The door commander the use cases are handed: the supervisor's, with one rule in front of it.
 * A door opens only for an intent that is on disk: its unlock waits for the store's flush
 * (Store.durable; see store/wal-flush.ts). A power cut before that loses the intent, and no
 * door moved for it.
 */
import type { DoorCommander } from "../doors/commander.js";
import type { Store } from "../store/store.js";
import { markLocker } from "../system/trace.js";

export function durableDoors(store: Store, doors: DoorCommander): DoorCommander {
  const unlock: DoorCommander["unlock"] = async (lockerId, intentId, opts) => {
    await store.durable({ urgent: opts?.pickup === true });
    markLocker("usecase.durable", lockerId);
    return doors.unlock(lockerId, intentId, opts);
  };
  // Everything but unlock is the inner commander's own, bound to it, and absent where it is
  // absent: a capability DoorCommander gains passes through without being listed here.
  return new Proxy(doors, {
    get(target, key) {
      if (key === "unlock") return unlock;
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
