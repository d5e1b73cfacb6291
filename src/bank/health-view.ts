/**
 * A compartment's health as people read it: the API's GET /lockers/health and
 * /lockers/:id/health answer it, lockerctl health prints it. Times are ISO strings.
 */
import type { UnlockOutcomeRow } from "../store/locker-health.js";
import type { BankContext } from "./context.js";
import { lockerHealth, type LockerHealth } from "./health.js";

export interface LockerHealthView extends Omit<LockerHealth, "lowSince" | "resetAt"> {
  /** The locker's status (AVAILABLE, OUT_OF_SERVICE, ...). */
  status: string;
  lowSince: string | null;
  /** When the fault counters last restarted (the locker put back in service); null: since first use. */
  countedSince: string | null;
}

export interface UnlockOutcomeView extends Omit<UnlockOutcomeRow, "at"> {
  at: string;
}

export interface LockerHealthDetailView extends LockerHealthView {
  /** The latest unlock outcomes, newest first. */
  unlocks: UnlockOutcomeView[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function healthView(ctx: BankContext, h: LockerHealth): LockerHealthView {
  const { resetAt, lowSince, ...rest } = h;
  return { ...rest, status: ctx.store.lockers.get(h.lockerId)?.status ?? "unknown", lowSince: iso(lowSince), countedSince: iso(resetAt) };
}

export function healthDetailView(ctx: BankContext, lockerId: string): LockerHealthDetailView {
  const unlocks = ctx.store.health.outcomes(lockerId).map((u) => ({ ...u, at: new Date(u.at).toISOString() }));
  return { ...healthView(ctx, lockerHealth(ctx, lockerId)), unlocks };
}
