/**
 * One outcome per unlock (door truth): opened, open_not_detected (the pulse went out, the door
 * sensor never changed), board_refused, no_answer. Written on the intent (queryable with the
 * locker's health) and as door.unlock_outcome, with what the board answered, what the door
 * sensor did and what the item sensor read; counted towards the compartment's health. Called
 * inside the transaction that records the door's outcome itself.
 */
import type { EventData } from "../basics/events.js";
import type { UnlockEvidence, UnlockFailure } from "../doors/unlock-evidence.js";
import type { UnlockOutcome } from "../store/locker-health.js";
import type { IntentRow } from "../store/rows.js";
import type { BankContext } from "./context.js";
import { countHealth } from "./health.js";

type OutcomeData = EventData<"door.unlock_outcome">;

export function recordUnlockOutcome(
  ctx: BankContext,
  intent: IntentRow,
  outcome: UnlockOutcome,
  seen: { evidence?: UnlockEvidence | undefined; doorSensor: OutcomeData["doorSensor"] },
  now: number,
): void {
  const ev = seen.evidence;
  const board: OutcomeData["board"] = outcome === "board_refused" ? "refused" : outcome === "no_answer" && !ev ? "no_answer" : (ev?.board ?? "unknown");
  ctx.store.health.setOutcome(intent.id, outcome, board);
  const itemAfter = ctx.doors.itemPresent?.(intent.lockerId) ?? null;
  ctx.store.record(
    {
      type: "door.unlock_outcome",
      lockerId: intent.lockerId,
      parcelId: intent.parcelId,
      data: {
        purpose: intent.purpose,
        outcome,
        board,
        doorSensor: seen.doorSensor,
        itemBefore: ev?.itemBefore ?? null,
        itemAfter,
        ms: ev ? Math.max(0, now - ev.pulsedAt) : null,
      },
    },
    now,
  );
  countHealth(ctx, intent.lockerId, countersOf(outcome), now);
}

/** A rejected unlock: the board refused it or did not answer. */
export function recordUnlockFailure(ctx: BankContext, intent: IntentRow, failure: UnlockFailure, now: number): void {
  recordUnlockOutcome(ctx, intent, failure, { doorSensor: "unreadable" }, now);
}

function countersOf(outcome: UnlockOutcome) {
  switch (outcome) {
    case "opened":
      return { cycles: 1 };
    case "open_not_detected":
      return { failed_opens: 1, jams: 1 };
    case "board_refused":
    case "no_answer":
      return { failed_opens: 1, board_errors: 1 };
  }
}

/** Free lockers a jammed compartment's parcel could be moved to: the same size or larger, smallest first. */
export function moveTargets(ctx: BankContext, lockerId: string, limit = 5): string[] {
  const from = ctx.store.lockers.get(lockerId);
  if (!from) return [];
  const unavailable = ctx.doors.unavailableLockers();
  const open = ctx.doors.openUnattended();
  return ctx.store.lockers
    .fitting(from.sizeRank)
    .map((l) => l.id)
    .filter((id) => id !== lockerId && !unavailable.has(id) && !open.has(id))
    .slice(0, limit);
}
