/**
 * What a door's outcome means for parcels and lockers. The door supervisor turns sensor facts
 * into outcomes (opened, closed, did not open); these functions turn outcomes into state, each
 * in one immediate transaction with its events.
 */
import { newEvent, type DataArg, type EventType } from "../basics/events.js";
import type { IntentRow } from "../store/rows.js";
import { crashPoint } from "../system/crash-points.js";
import type { BankContext } from "./context.js";
import { settleRemoteOpen } from "./remote-commands.js";

export function doorOpened(ctx: BankContext, intentId: number): void {
  const now = ctx.clock.now();
  writeThenCrash(ctx, "door.opened.committed", () => {
    const intent = ctx.store.intents.get(intentId);
    if (!intent || intent.state !== "pending") return;
    ctx.store.intents.setState(intent.id, "opened", now);
    ctx.store.lockers.setFailedOpens(intent.lockerId, 0, now);
    settleRemoteOpen(ctx, intent.id, { opened: true }, now); // signed-commands: a remote open is done when its door opened
    ctx.store.record({ type: "door.opened", lockerId: intent.lockerId, parcelId: intent.parcelId, data: { purpose: intent.purpose } }, now);
    if (!intent.parcelId) return;
    const parcel = ctx.store.parcels.get(intent.parcelId);
    if (intent.purpose === "pickup" && parcel?.status === "STORED") {
      // The code is spent the moment the door opens.
      ctx.store.parcels.update(parcel.id, { status: "PICKED_UP", stamp: "picked_up_at", at: now, dropCode: true });
      ctx.store.record({ type: "parcel.picked_up", lockerId: intent.lockerId, parcelId: parcel.id }, now);
    } else if (intent.purpose === "collect" && parcel?.status === "STORED") {
      // A return's carrier collects it (returns.ts): taken the moment its door opens.
      const ret = ctx.store.returns.get(parcel.id);
      if (!ret) return;
      ctx.store.parcels.update(parcel.id, { status: "PICKED_UP", stamp: "picked_up_at", at: now });
      ctx.store.record({ type: "return.collected", lockerId: intent.lockerId, parcelId: parcel.id, data: { carrier: ret.carrier, reference: ret.reference } }, now);
    } else if (intent.purpose === "collect" && parcel?.status === "EXPIRED" && parcel.removedAt === null) {
      ctx.store.parcels.update(parcel.id, { stamp: "removed_at", at: now });
      ctx.store.record({ type: "parcel.removed", lockerId: intent.lockerId, parcelId: parcel.id }, now);
    }
  });
}

export function doorClosed(ctx: BankContext, intentId: number): void {
  const now = ctx.clock.now();
  const purpose = ctx.store.intents.get(intentId)?.purpose;
  writeThenCrash(ctx, purpose === "deposit" ? "deposit.stored" : purpose === "pickup" ? "pickup.released" : null, () => {
    const intent = ctx.store.intents.get(intentId);
    if (!intent || intent.state !== "opened") return;
    ctx.store.intents.setState(intent.id, "closed", now);
    ctx.store.record({ type: "door.closed", lockerId: intent.lockerId, parcelId: intent.parcelId, data: { purpose: intent.purpose } }, now);
    const parcel = intent.parcelId ? ctx.store.parcels.get(intent.parcelId) : undefined;
    switch (intent.purpose) {
      case "deposit":
        if (parcel?.status === "ASSIGNED") {
          ctx.store.parcels.update(parcel.id, { status: "STORED", stamp: "stored_at", at: now });
          setLockerUnlessOutOfService(ctx, intent.lockerId, "OCCUPIED", now);
          const ret = ctx.store.returns.get(parcel.id);
          if (ret) {
            const data = { passId: ret.passId, reference: ret.reference, size: ret.size, carrier: ret.carrier };
            ctx.store.record({ type: "return.stored", lockerId: intent.lockerId, parcelId: parcel.id, data }, now);
          } else ctx.store.record({ type: "parcel.stored", lockerId: intent.lockerId, parcelId: parcel.id }, now);
        } else {
          // Cancelled while the door was open ("doesn't fit"): the courier took it back out.
          releaseLocker(ctx, intent, now);
        }
        return;
      case "pickup":
      case "collect":
        if (parcel && (parcel.status === "PICKED_UP" || parcel.removedAt !== null)) releaseLocker(ctx, intent, now);
        return;
      case "technician":
        return;
    }
  });
}

/**
 * The door did not open within the timeout after an unlock. Nothing is consumed: a pickup code
 * still works. A door that stayed shut counts towards flagging the locker for service; a deposit
 * returns its reservation. When the hardware stopped answering instead, the door may have opened
 * unseen: that is not counted against the door, and a deposit's locker is left for a person to
 * look at rather than handed to the next parcel.
 */
export function doorDidNotOpen(ctx: BankContext, intentId: number, reason: "stayed_closed" | "hardware_offline" = "stayed_closed"): void {
  const now = ctx.clock.now();
  ctx.store.write(() => {
    const intent = ctx.store.intents.get(intentId);
    if (!intent || intent.state !== "pending") return;
    ctx.store.intents.setState(intent.id, "timed_out", now);
    // signed-commands: a remote open whose door did not open (jammed, or its hardware silent) failed
    settleRemoteOpen(ctx, intent.id, reason === "hardware_offline" ? { opened: false, code: "DOOR_UNAVAILABLE", message: "the door's hardware stopped answering; it was not seen to open" } : { opened: false, code: "DOOR_DID_NOT_OPEN", message: "the door did not open in time (jammed?)" }, now);
    const locker = ctx.store.lockers.get(intent.lockerId);
    if (reason === "hardware_offline") {
      ctx.store.record({ type: "door.open_timeout", lockerId: intent.lockerId, parcelId: intent.parcelId, data: { purpose: intent.purpose, reason } }, now);
      if (intent.purpose === "deposit" && locker?.status !== "OUT_OF_SERVICE") {
        const why = "inspect: the hardware stopped answering during a deposit";
        ctx.store.lockers.setStatus(intent.lockerId, "OUT_OF_SERVICE", why, now);
        ctx.store.record({ type: "locker.flagged", lockerId: intent.lockerId, parcelId: intent.parcelId, data: { reason: why } }, now);
      }
      return;
    }
    const failed = (locker?.failedOpens ?? 0) + 1;
    ctx.store.lockers.setFailedOpens(intent.lockerId, failed, now);
    ctx.store.record(
      { type: "door.open_timeout", lockerId: intent.lockerId, parcelId: intent.parcelId, data: { purpose: intent.purpose, reason, failedOpens: failed } },
      now,
    );
    if (failed >= ctx.policy.maxFailedOpens && locker?.status !== "OUT_OF_SERVICE") {
      const why = `door did not open ${failed} times in a row`;
      ctx.store.lockers.setStatus(intent.lockerId, "OUT_OF_SERVICE", why, now);
      ctx.store.record({ type: "locker.flagged", lockerId: intent.lockerId, data: { reason: why } }, now);
    }
    if (intent.purpose === "deposit") returnReservation(ctx, intent, "door_did_not_open", now);
  });
}

/**
 * An unlock that could not be sent: forget the intent. Nothing was consumed; a deposit's
 * reservation is given back rather than strand the courier.
 */
export function abortIntent(ctx: BankContext, intentId: number, reason: string): void {
  const now = ctx.clock.now();
  ctx.store.write(() => {
    const intent = ctx.store.intents.get(intentId);
    if (!intent || intent.state !== "pending") return;
    ctx.store.intents.setState(intent.id, "aborted", now);
    settleRemoteOpen(ctx, intent.id, { opened: false, code: "DOOR_UNAVAILABLE", message: `the lock could not be driven (${reason})` }, now); // signed-commands
    ctx.store.record({ type: "door.unlock_failed", lockerId: intent.lockerId, parcelId: intent.parcelId, data: { purpose: intent.purpose, reason } }, now);
    if (intent.purpose === "deposit") returnReservation(ctx, intent, reason, now);
  });
}

/** A door fault or alarm the supervisor saw (forced, left open, flapping, board offline...). */
export function recordDoorEvent<T extends EventType>(ctx: BankContext, type: T, lockerId: string | null, ...data: DataArg<T>): void {
  const now = ctx.clock.now();
  ctx.store.write(() => {
    ctx.store.record(newEvent(type, { lockerId }, ...data), now);
  });
}

function returnReservation(ctx: BankContext, intent: IntentRow, reason: string, now: number): void {
  const parcel = intent.parcelId ? ctx.store.parcels.get(intent.parcelId) : undefined;
  if (parcel?.status === "ASSIGNED") {
    ctx.store.parcels.update(parcel.id, { status: "CANCELLED", stamp: "cancelled_at", at: now, dropCode: true });
    if (ctx.store.returns.get(parcel.id)) {
      // A return whose door never opened did not use its one-time pass: the customer may try
      // again. No parcel.cancelled: the center keeps parcel rows for deliveries only (the door
      // event above names the return).
      ctx.store.passes.unspendForIntent(intent.id);
    } else ctx.store.record({ type: "parcel.cancelled", lockerId: intent.lockerId, parcelId: parcel.id, data: { reason } }, now);
  }
  releaseLocker(ctx, intent, now);
}

function releaseLocker(ctx: BankContext, intent: IntentRow, now: number): void {
  if (intent.parcelId) ctx.store.parcels.update(intent.parcelId, { at: now, release: true });
  setLockerUnlessOutOfService(ctx, intent.lockerId, "AVAILABLE", now);
  ctx.store.record({ type: "locker.released", lockerId: intent.lockerId, parcelId: intent.parcelId }, now);
  // The door shut on a locker that should now be empty, and its IR sensor
  // sees something inside (the parcel, or part of it, was not taken). Not assigned while so.
  if (ctx.doors.itemPresent?.(intent.lockerId) === true) {
    ctx.store.record({ type: "locker.item_left_behind", lockerId: intent.lockerId, parcelId: intent.parcelId, data: { purpose: intent.purpose } }, now);
  }
}

/** A locker a technician took out of service stays so until they put it back. */
function setLockerUnlessOutOfService(ctx: BankContext, lockerId: string, status: "AVAILABLE" | "OCCUPIED", now: number): void {
  const locker = ctx.store.lockers.get(lockerId);
  if (locker && locker.status !== "OUT_OF_SERVICE") ctx.store.lockers.setStatus(lockerId, status, null, now);
}

function writeThenCrash(ctx: BankContext, point: Parameters<typeof crashPoint>[0] | null, fn: () => void): void {
  ctx.store.write(fn);
  if (point) crashPoint(point);
}
