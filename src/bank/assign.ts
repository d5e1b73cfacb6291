/**
 * Assign: the smallest available locker that fits, reserved in one immediate transaction
 * together with the parcel, its code, the door intent and the outbox event; then the door is
 * unlocked for the deposit.
 */
import type { BankContext } from "./context.js";
import { LockerdError } from "../basics/errors.js";
import { newParcelId } from "../basics/ids.js";
import { crashPoint } from "../system/crash-points.js";
import { abortIntent } from "./door-outcomes.js";

export interface AssignRequest {
  size: string;
  trackingRef?: string | null;
}

export interface Assignment {
  parcelId: string;
  lockerId: string;
  /** The locker's size (may be larger than the parcel's). */
  size: string;
  parcelSize: string;
  pickupCode: string;
  /** The QR/barcode pickup token, returned once like the code. */
  pickupToken: string;
  expiresAt: number;
  intentId: number;
}

const MAX_CODE_TRIES = 50;

export async function assignLocker(ctx: BankContext, req: AssignRequest): Promise<Assignment> {
  if (!ctx.sizes.has(req.size)) {
    throw new LockerdError("VALIDATION_FAILED", `size must be one of ${ctx.sizes.sizes.join(", ")}`, { field: "size" });
  }
  if (ctx.storage?.assignmentsPaused()) {
    throw new LockerdError("STORAGE_FULL", "new assignments are paused because the bank's storage is full; pickups still work");
  }
  const rank = ctx.sizes.rankOf(req.size);
  // Also skipped: a door standing open with nothing under way (forced or left open). Its
  // courier would find it open, and the door is someone else's alarm to look at first.
  const unavailable = new Set([...ctx.doors.unavailableLockers(), ...ctx.doors.openUnattended()]);
  const now = ctx.clock.now();

  const assignment = ctx.store.write((): Assignment => {
    // A free locker whose IR sensor sees something inside (left behind) is not free in fact.
    const locker = ctx.store.lockers.fitting(rank).find((l) => !unavailable.has(l.id) && ctx.doors.itemPresent?.(l.id) !== true);
    if (!locker) throw new LockerdError("NO_LOCKER_AVAILABLE", `no free locker fits a parcel of size ${req.size}`, { size: req.size });

    const { code, hash } = freshCode(ctx);
    const pickupToken = ctx.codes.generateToken(ctx.random);
    const parcelId = newParcelId(ctx.random);
    const expiresAt = now + ctx.policy.pickupWindowMs;
    ctx.store.parcels.insert({
      id: parcelId,
      trackingRef: req.trackingRef ?? null,
      size: req.size,
      lockerId: locker.id,
      codeHash: hash,
      tokenHash: ctx.codes.hashToken(pickupToken),
      createdAt: now,
      expiresAt,
    });
    ctx.store.lockers.setStatus(locker.id, "RESERVED", null, now);
    const intentId = ctx.store.intents.create(locker.id, parcelId, "deposit", now);
    ctx.store.record(
      {
        type: "parcel.assigned",
        lockerId: locker.id,
        parcelId,
        // The plain code travels upward once so the central server can notify the customer;
        // it is removed from the local outbox once the central side has it.
        data: { size: req.size, lockerSize: locker.size, trackingRef: req.trackingRef ?? null, expiresAt, pickupCode: code, pickupToken },
      },
      now,
    );
    return { parcelId, lockerId: locker.id, size: locker.size, parcelSize: req.size, pickupCode: code, pickupToken, expiresAt, intentId };
  });

  crashPoint("assign.committed");
  try {
    await ctx.doors.unlock(assignment.lockerId, assignment.intentId);
    crashPoint("assign.unlocked");
  } catch (e) {
    // The lock could not be driven: give the locker back rather than strand the courier.
    abortIntent(ctx, assignment.intentId, "door_unavailable");
    throw e;
  }
  return assignment;
}

function freshCode(ctx: BankContext): { code: string; hash: Buffer } {
  for (let i = 0; i < MAX_CODE_TRIES; i++) {
    const code = ctx.codes.generate(ctx.random);
    const hash = ctx.codes.hash(code);
    if (!ctx.store.parcels.isCodeHashLive(hash)) return { code, hash };
  }
  // Only reachable with a tiny code space and a full bank; a configuration problem.
  throw new LockerdError("INTERNAL", "could not find an unused pickup code; use longer codes");
}
