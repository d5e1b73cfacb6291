/**
 * Each compartment's health: counters kept per locker (store/locker-health.ts), a score from
 * them, and the rule that takes a failing compartment out of service before it strands a parcel.
 *
 * Counters: cycles (unlocks whose door opened, for life); since the locker was last put back in
 * service: failed opens (unlocks that did not end opened, any cause), jams (open_not_detected:
 * the pulse went out and the door stayed shut), sensor flaps (unstable-sensor episodes and
 * suspected cut cables), board errors (unlocks the board refused or did not answer).
 *
 * Score (0..100, higher is healthier):
 *   100 − 30·min(1, cycles / ratedCycles) − 12·jams − 6·sensorFlaps − 4·boardErrors, clamped to 0..100
 * A lock at its rated life has lost 30 points by wear alone; four jams since its last repair take
 * an otherwise new lock below the default threshold (50). Failed opens are jams plus board
 * errors, so they are not counted twice.
 *
 * Below the threshold: an empty locker is taken out of service at once (locker.flagged, with the
 * reason); one holding or reserved for a parcel is never taken from under it: alarm.locker_health_low
 * is raised (once per crossing) and it is taken out of service when it is released.
 */
import { emptyHealthRow, type HealthCounter, type LockerHealthRow } from "../store/locker-health.js";
import type { BankContext } from "./context.js";

export interface HealthPolicy {
  /**
   * Rated operations of a lock. Kerong rates its cabinet locks (KR-S99 family, used with the CU16)
   * at 500,000 open/close operations: the default.
   */
  ratedCycles: number;
  /** Per-locker rated cycles where a lock differs from the bank's default. */
  ratedCyclesByLocker?: Readonly<Record<string, number>>;
  /** A compartment scoring below this is taken out of service (0 = never). */
  outOfServiceBelow: number;
}

export const DEFAULT_HEALTH: HealthPolicy = { ratedCycles: 500_000, outOfServiceBelow: 50 };

/** A compartment's counters (store/locker-health.ts) and what they come to against its lock's rating. */
export interface LockerHealth extends Omit<LockerHealthRow, "updatedAt"> {
  score: number;
  ratedCycles: number;
  /** cycles / ratedCycles, 0..1+ */
  wear: number;
}

export function healthPolicy(ctx: BankContext): HealthPolicy {
  return ctx.policy.health ?? DEFAULT_HEALTH;
}

export function ratedCyclesOf(policy: HealthPolicy, lockerId: string): number {
  return policy.ratedCyclesByLocker?.[lockerId] ?? policy.ratedCycles;
}

/** The documented formula (file comment). */
export function healthScore(row: Pick<LockerHealthRow, "cycles" | "jams" | "sensorFlaps" | "boardErrors">, ratedCycles: number): number {
  const wear = Math.min(1, row.cycles / ratedCycles);
  const raw = 100 - 30 * wear - 12 * row.jams - 6 * row.sensorFlaps - 4 * row.boardErrors;
  return Math.round(Math.max(0, Math.min(100, raw)));
}

export function lockerHealth(ctx: BankContext, lockerId: string, row: LockerHealthRow = ctx.store.health.get(lockerId)): LockerHealth {
  const rated = ratedCyclesOf(healthPolicy(ctx), lockerId);
  return {
    lockerId,
    score: healthScore(row, rated),
    cycles: row.cycles,
    ratedCycles: rated,
    wear: row.cycles / rated,
    failedOpens: row.failedOpens,
    jams: row.jams,
    sensorFlaps: row.sensorFlaps,
    boardErrors: row.boardErrors,
    lowSince: row.lowSince,
    resetAt: row.resetAt,
  };
}

/** Every locker of the layout, in layout order (two queries, whatever the number of lockers: metrics scrape it). */
export function bankHealth(ctx: BankContext): LockerHealth[] {
  const rows = new Map(ctx.store.health.list().map((r) => [r.lockerId, r]));
  return ctx.store.lockers.list().map((l) => lockerHealth(ctx, l.id, rows.get(l.id) ?? emptyHealthRow(l.id)));
}

/** Below the threshold now? */
export function isUnhealthy(ctx: BankContext, lockerId: string): boolean {
  const below = healthPolicy(ctx).outOfServiceBelow;
  return below > 0 && lockerHealth(ctx, lockerId).score < below;
}

/**
 * Count towards a locker's health and apply the threshold rule. Call inside the write
 * transaction of the outcome that is counted.
 */
export function countHealth(ctx: BankContext, lockerId: string, counters: Partial<Record<HealthCounter, number>>, now: number): void {
  if (!ctx.store.lockers.get(lockerId)) return;
  ctx.store.health.add(lockerId, counters, now);
  const policy = healthPolicy(ctx);
  const h = lockerHealth(ctx, lockerId);
  if (policy.outOfServiceBelow <= 0 || h.score >= policy.outOfServiceBelow) {
    if (h.lowSince !== null) ctx.store.health.setLowSince(lockerId, null, now);
    return;
  }
  const locker = ctx.store.lockers.get(lockerId)!;
  if (locker.status === "OUT_OF_SERVICE") return;
  if (locker.status === "AVAILABLE" && !ctx.store.parcels.inLocker(lockerId) && !ctx.store.intents.active(lockerId)) {
    takeOutForHealth(ctx, lockerId, h, now);
    return;
  }
  if (h.lowSince !== null) return; // alarmed already for this crossing
  ctx.store.health.setLowSince(lockerId, now, now);
  const parcel = ctx.store.parcels.inLocker(lockerId);
  ctx.store.record(
    { type: "alarm.locker_health_low", lockerId, parcelId: parcel?.id ?? null, data: { score: h.score, threshold: policy.outOfServiceBelow, reason: healthReason(h), holdsParcel: Boolean(parcel) } },
    now,
  );
}

/**
 * A locker about to become free again: if its health is below the threshold it is taken out
 * of service instead. Returns true when it was.
 */
export function takeOutIfUnhealthy(ctx: BankContext, lockerId: string, now: number): boolean {
  if (!isUnhealthy(ctx, lockerId)) return false;
  takeOutForHealth(ctx, lockerId, lockerHealth(ctx, lockerId), now);
  return true;
}

function takeOutForHealth(ctx: BankContext, lockerId: string, h: LockerHealth, now: number): void {
  const reason = `health score ${h.score} below ${healthPolicy(ctx).outOfServiceBelow}: ${healthReason(h)}`;
  ctx.store.lockers.setStatus(lockerId, "OUT_OF_SERVICE", reason, now);
  if (h.lowSince === null) ctx.store.health.setLowSince(lockerId, now, now);
  ctx.store.record({ type: "locker.flagged", lockerId, data: { reason } }, now);
}

/** What brought the score down, for people. */
export function healthReason(h: LockerHealth): string {
  const parts: string[] = [];
  if (h.jams) parts.push(`${h.jams} jam${h.jams === 1 ? "" : "s"}`);
  if (h.sensorFlaps) parts.push(`${h.sensorFlaps} sensor fault${h.sensorFlaps === 1 ? "" : "s"}`);
  if (h.boardErrors) parts.push(`${h.boardErrors} board error${h.boardErrors === 1 ? "" : "s"}`);
  parts.push(`${Math.round(h.wear * 100)}% of ${h.ratedCycles} rated cycles`);
  return parts.join(", ");
}
