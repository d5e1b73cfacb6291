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
  /**
   * Prefer a door within a wheelchair user's reach (layout heightCm / reachable). Left out, the
   * carrier's pre-advice decides (a hint pulled with sync for the tracking ref); given, it wins.
   */
  reachable?: boolean | undefined;
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
  checkSize(ctx, req.size);
  if (ctx.storage?.assignmentsPaused()) {
    throw new LockerdError("STORAGE_FULL", "new assignments are paused because the bank's storage is full; pickups still work");
  }
  const now = ctx.clock.now();
  const assignment = ctx.store.write((): Assignment => {
    const ref = req.trackingRef ?? null;
    refuseLiveRef(ctx, ref);
    return reserve(ctx, req.size, ref, now, reachableAsk(ctx, req, ref, now));
  });
  return unlockForDeposit(ctx, assignment);
}

export interface DoesntFitRules {
  /** How long after the deposit door opened the courier may still say "doesn't fit". */
  windowMs: number;
}

/**
 * "Doesn't fit": the courier opened the assigned locker and the parcel is too big. In one
 * transaction the assignment is cancelled (its locker is freed when its door closes) and the
 * next larger size is reserved for the same parcel; then that door is unlocked. Refused
 * (INVALID_STATE) unless the parcel is still ASSIGNED and its door opened within the window.
 */
export async function reassignLarger(ctx: BankContext, parcelId: string, rules: DoesntFitRules): Promise<Assignment> {
  if (ctx.storage?.assignmentsPaused()) {
    throw new LockerdError("STORAGE_FULL", "new assignments are paused because the bank's storage is full; pickups still work");
  }
  const now = ctx.clock.now();
  const assignment = ctx.store.write((): Assignment => {
    const p = ctx.store.parcels.get(parcelId);
    if (!p) throw new LockerdError("PARCEL_NOT_FOUND", `no parcel ${parcelId}`);
    const intent = ctx.store.intents.active(p.lockerId);
    const opened = intent?.parcelId === p.id && intent.purpose === "deposit" && intent.state === "opened" ? intent.openedAt : null;
    if (p.status !== "ASSIGNED" || opened === null || now - opened > rules.windowMs) {
      throw new LockerdError("INVALID_STATE", `parcel ${parcelId} is not a deposit whose door opened within the last ${Math.round(rules.windowMs / 1000)} s`);
    }
    const locker = ctx.store.lockers.get(p.lockerId);
    const next = ctx.sizes.sizes[ctx.sizes.rankOf(locker?.size ?? p.size) + 1];
    if (!next) throw new LockerdError("NO_LOCKER_AVAILABLE", `no locker size is larger than ${locker?.size ?? p.size}`, { size: locker?.size ?? p.size });
    // The door is open: the locker is released when it closes (the courier takes the parcel back out).
    ctx.store.parcels.update(p.id, { status: "CANCELLED", stamp: "cancelled_at", at: now, dropCode: true });
    ctx.store.record({ type: "parcel.cancelled", lockerId: p.lockerId, parcelId: p.id, data: { reason: "doesnt_fit" } }, now);
    return reserve(ctx, next, p.trackingRef, now, askedBefore(ctx, p.id, p.lockerId));
  });
  return unlockForDeposit(ctx, assignment);
}

function checkSize(ctx: BankContext, size: string): void {
  if (!ctx.sizes.has(size)) {
    throw new LockerdError("VALIDATION_FAILED", `size must be one of ${ctx.sizes.sizes.join(", ")}`, { field: "size" });
  }
}

/** Inside the assignment transaction: one tracking reference, one live parcel, on every path. */
function refuseLiveRef(ctx: BankContext, trackingRef: string | null): void {
  if (trackingRef === null) return;
  const live = ctx.store.parcels.liveByTrackingRef(trackingRef);
  if (live) {
    throw new LockerdError("PARCEL_ALREADY_IN_BANK", `parcel ${trackingRef} is already in the bank, in locker ${live.lockerId} (${live.status})`, {
      lockerId: live.lockerId,
      parcelId: live.id,
      parcelStatus: live.status,
    });
  }
}

/** Where an assignment's ask for a reachable door came from: the request itself, or the carrier's pre-advice. */
export type ReachableFrom = "request" | "advice";

/**
 * Inside the assignment transaction: whether to prefer a reachable door, and why. The
 * pre-advice's hint for the ref is used up here whatever the request says (the parcel is at
 * the bank now); the request's own flag wins over it.
 */
function reachableAsk(ctx: BankContext, req: AssignRequest, ref: string | null, now: number): ReachableFrom | null {
  const hinted = ref !== null && ctx.store.adviceHints.take(ref, now);
  if (req.reachable !== undefined) return req.reachable ? "request" : null;
  return hinted ? "advice" : null;
}

/** A parcel that does not fit keeps its first assignment's ask for a reachable door (its hint is used up by then). */
function askedBefore(ctx: BankContext, parcelId: string, lockerId: string): ReachableFrom | null {
  const e = ctx.store.events.query({ type: "parcel.assigned", lockerId, newestFirst: true, limit: 1 })[0];
  const from = e?.parcelId === parcelId ? e.data.reachable : undefined;
  return from === "request" || from === "advice" ? from : null;
}

export interface PickRules {
  /** Prefer a locker within a wheelchair user's reach: the smallest reachable one that fits, else the smallest. */
  reachable?: boolean;
  /** Free lockers per size that must stay free after this pick (returns leave them to deliveries). */
  keepFree?: Readonly<Record<string, number>>;
}

/**
 * Inside a write transaction: the smallest free locker that fits (layout order within a size),
 * one whose door works and stands shut and whose sensor sees it empty. Throws
 * NO_LOCKER_AVAILABLE / HARDWARE_OFFLINE saying which.
 */
export function pickLocker(ctx: BankContext, size: string, rules: PickRules = {}): { id: string; size: string } {
  const rank = ctx.sizes.rankOf(size);
  // Also skipped: a door standing open with nothing under way (forced or left open). Its
  // courier would find it open, and the door is someone else's alarm to look at first.
  const openUnattended = ctx.doors.openUnattended();
  const unreachable = ctx.doors.unavailableLockers();
  const fitting = ctx.store.lockers.fitting(rank);
  // A free locker whose IR sensor sees something inside (left behind) is not free in fact.
  const usable = fitting.filter((l) => !unreachable.has(l.id) && !openUnattended.has(l.id) && ctx.doors.itemPresent?.(l.id) !== true);
  const freeOf = new Map<string, number>();
  for (const l of usable) freeOf.set(l.size, (freeOf.get(l.size) ?? 0) + 1);
  const allowed = usable.filter((l) => (freeOf.get(l.size) ?? 0) - 1 >= (rules.keepFree?.[l.size] ?? 0));
  const within = rules.reachable ? ctx.store.lockers.reachableIds() : null;
  const locker = (within && allowed.find((l) => within.has(l.id))) || allowed[0];
  if (!locker) {
    if (usable.length > 0) throw new LockerdError("NO_LOCKER_AVAILABLE", `the free lockers that fit size ${size} are kept for deliveries (returns.reservedPerSize)`, { size, reserved: true });
    // Say what is true: free lockers exist, but their lock hardware does not answer.
    const offline = fitting.filter((l) => unreachable.has(l.id)).length;
    if (offline > 0) {
      throw new LockerdError("HARDWARE_OFFLINE", `the lock hardware of the ${offline} free locker(s) that fit a parcel of size ${size} does not answer; try again later`, {
        size,
        lockersOffline: offline,
      });
    }
    throw new LockerdError("NO_LOCKER_AVAILABLE", `no free locker fits a parcel of size ${size}`, { size });
  }
  return locker;
}

/** Inside a write transaction: reserve the smallest free locker that fits, with its parcel, code, intent and event. */
function reserve(ctx: BankContext, size: string, trackingRef: string | null, now: number, reachable: ReachableFrom | null): Assignment {
  const locker = pickLocker(ctx, size, { reachable: reachable !== null });
  const { code, hash } = freshCode(ctx);
  const pickupToken = ctx.codes.generateToken(ctx.random);
  const parcelId = newParcelId(ctx.random);
  const expiresAt = now + ctx.policy.pickupWindowMs;
  ctx.store.parcels.insert({
    id: parcelId,
    trackingRef,
    size,
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
      // The code and token travel upward only sealed to the notifier's key, so the center can
      // tell the customer; the plain code is kept nowhere (only the keyed hash above).
      data: {
        size,
        lockerSize: locker.size,
        trackingRef,
        expiresAt,
        ...(reachable ? { reachable } : {}),
        ...(ctx.sealCodes ? { sealedCodes: ctx.sealCodes(parcelId, { code, token: pickupToken }) } : {}),
      },
    },
    now,
  );
  return { parcelId, lockerId: locker.id, size: locker.size, parcelSize: size, pickupCode: code, pickupToken, expiresAt, intentId };
}

async function unlockForDeposit(ctx: BankContext, assignment: Assignment): Promise<Assignment> {
  crashPoint("assign.committed");
  try {
    await ctx.doors.unlock(assignment.lockerId, assignment.intentId);
    crashPoint("assign.unlocked");
  } catch (e) {
    // The lock could not be driven: give the locker back rather than strand the courier.
    abortIntent(ctx, assignment.intentId, "door_unavailable", e);
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
