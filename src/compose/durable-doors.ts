/**
 * The door commander the use cases are handed: the supervisor's, with one rule in front of it.
 * A door opens only for an intent that is on disk: its unlock waits for the store's flush
 * (Store.durable; see store/wal-flush.ts). A power cut before that loses the intent, and no
 * door moved for it.
 */
import type { DoorCommander, UnlockOptions } from "../doors/commander.js";
import type { Store } from "../store/store.js";
import { markLocker } from "../system/trace.js";

export function durableDoors(store: Store, doors: DoorCommander): DoorCommander {
  const commander: DoorCommander = {
    async unlock(lockerId: string, intentId: number, opts?: UnlockOptions): Promise<void> {
      await store.durable({ urgent: opts?.pickup === true });
      markLocker("usecase.durable", lockerId);
      return doors.unlock(lockerId, intentId, opts);
    },
    unavailableLockers: () => doors.unavailableLockers(),
    openUnattended: () => doors.openUnattended(),
  };
  if (doors.itemPresent) commander.itemPresent = (id) => doors.itemPresent!(id);
  if (doors.expectUnlock) commander.expectUnlock = () => doors.expectUnlock!();
  if (doors.pickupImminent) commander.pickupImminent = (holdMs) => doors.pickupImminent!(holdMs);
  if (doors.pickupNotComing) commander.pickupNotComing = () => doors.pickupNotComing!();
  return commander;
}
