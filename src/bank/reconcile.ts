/**
 * After a restart: door intents the database says were in progress, checked against what the
 * door sensors say now. An unlock is never repeated blindly.
 */
import type { DoorPosition } from "../drivers/lock-bank.js";
import type { BankContext } from "./context.js";
import { doorClosed, doorOpened } from "./door-outcomes.js";
import { settleRemoteOpen } from "./remote-commands.js";
import { doorForced } from "./found-open.js";

export interface ReconcileResult {
  lockerId: string;
  /** null: no operation was under way (a door standing open at start over a parcel: "flagged"). */
  intentId: number | null;
  action: "waiting_for_close" | "completed" | "aborted" | "inspect" | "flagged";
}

export function reconcileIntents(
  ctx: BankContext,
  doorNow: (lockerId: string) => DoorPosition,
  adoptOpen: (lockerId: string, intentId: number) => void,
): ReconcileResult[] {
  const results: ReconcileResult[] = [];
  for (const intent of ctx.store.intents.listActive()) {
    const door = doorNow(intent.lockerId);
    const now = ctx.clock.now();
    if (door === "open") {
      // The door is open: record the opening if it was not, then wait for it to close.
      if (intent.state === "pending") doorOpened(ctx, intent.id);
      adoptOpen(intent.lockerId, intent.id);
      results.push({ lockerId: intent.lockerId, intentId: intent.id, action: "waiting_for_close" });
    } else if (intent.state === "opened" && door === "closed") {
      doorClosed(ctx, intent.id);
      results.push({ lockerId: intent.lockerId, intentId: intent.id, action: "completed" });
    } else if (intent.purpose === "deposit") {
      // We cannot know whether the courier put the parcel in while we were down: keep the
      // parcel as it is and ask a person to look, rather than free a locker that may be full.
      ctx.store.write(() => {
        ctx.store.intents.setState(intent.id, "aborted", now);
        const reason = "inspect: a deposit was interrupted by a restart";
        ctx.store.lockers.setStatus(intent.lockerId, "OUT_OF_SERVICE", reason, now);
        ctx.store.record({ type: "locker.flagged", lockerId: intent.lockerId, parcelId: intent.parcelId, data: { reason, door } }, now);
      });
      results.push({ lockerId: intent.lockerId, intentId: intent.id, action: "inspect" });
    } else {
      // A pickup, collection or technician opening whose door never opened: nothing was
      // consumed, the code still works.
      ctx.store.write(() => {
        ctx.store.intents.setState(intent.id, "aborted", now);
        settleRemoteOpen(ctx, intent.id, { opened: false, code: "INTERRUPTED", message: "the bank restarted before the door opened" }, now); // signed-commands
        ctx.store.record({ type: "door.intent_aborted", lockerId: intent.lockerId, parcelId: intent.parcelId, data: { purpose: intent.purpose, reason: "restart", door } }, now);
      });
      results.push({ lockerId: intent.lockerId, intentId: intent.id, action: "aborted" });
    }
  }
  // Open with nothing under way while a parcel should be inside: it opened unseen (the daemon
  // was down). An alarm and an inspection, as for a door forced while it watched.
  for (const locker of ctx.store.lockers.list()) {
    if (!locker.inLayout || ctx.store.intents.active(locker.id) || doorNow(locker.id) !== "open") continue;
    const parcel = ctx.store.parcels.inLocker(locker.id);
    if (parcel?.status !== "STORED" && parcel?.status !== "EXPIRED") continue;
    doorForced(ctx, locker.id, "open_at_start");
    results.push({ lockerId: locker.id, intentId: null, action: "flagged" });
  }
  return results;
}
