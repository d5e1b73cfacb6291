/**
 * The attempt limiter: failed pickup codes (and courier PINs) per source — a keypad, an HTTP
 * caller — over a sliding window, with a lockout that grows with repeated trips. Kept in SQLite
 * so a restart does not forgive, and never reset by a success: at a shared keypad a success is
 * usually someone else's. Each trip records an alarm event. The rules and the yearly bound they
 * give are in guess-bound.ts.
 */
import type { AttemptState } from "../store/attempts.js";
import type { Store } from "../store/store.js";
import type { BankContext } from "./context.js";
import { LockerdError, isLockerdError } from "../basics/errors.js";
import { lockoutMs, type LimiterSettings } from "./guess-bound.js";
import { pickupByCode, type PickupResult, type PickupSource } from "./pickup.js";
import type { Clock } from "../basics/ports.js";

export type { LimiterSettings } from "./guess-bound.js";

export const DEFAULT_LIMITER: LimiterSettings = {
  maxFailures: 5,
  windowMs: 86_400_000,
  baseLockoutMs: 60_000,
  lockoutGrowth: 2,
  maxLockoutMs: 86_400_000,
  memoryMs: 30 * 86_400_000,
};

export interface FailureOutcome {
  /** > 0 when this failure tripped a lockout. */
  lockedForMs: number;
  /** Failures left before the next lockout (0 when locked). */
  remaining: number;
}

/** The limiter's key for a source, e.g. "keypad:main", "http:10.0.0.7". */
export const sourceKey = (s: PickupSource) => `${s.channel}:${s.id ?? "-"}`;

export class AttemptLimiter {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly settings: LimiterSettings,
  ) {}

  /** Milliseconds this source stays locked out (0 when it may try). */
  lockedForMs(source: string): number {
    return Math.max(0, this.store.attempts.get(source).lockedUntil - this.clock.now());
  }

  /** Throw TOO_MANY_ATTEMPTS (with retryAfterSeconds) while the source is locked out. */
  check(source: string): void {
    const ms = this.lockedForMs(source);
    if (ms > 0) {
      throw new LockerdError("TOO_MANY_ATTEMPTS", "too many failed attempts from here; try again later", { retryAfterSeconds: Math.ceil(ms / 1000) });
    }
  }

  lockouts(): LockoutView[] {
    return lockoutViews(this.store, this.settings, this.clock.now());
  }

  /**
   * A technician lifts a source's lockout and forgives its failures (a customer who mistyped,
   * now standing at the bank). The trips are kept: the next lockout is as long as it would
   * have been, so clearing cannot be used to guess faster. Recorded as an event.
   */
  clear(source: string, by: string): LockoutView {
    const now = this.clock.now();
    return this.store.write(() => {
      const st = this.store.attempts.get(source);
      const before = lockoutView(st, this.settings, now);
      if (!before) throw new LockerdError("NOT_FOUND", `no failed attempts recorded from ${JSON.stringify(source)}`);
      st.failures = [];
      st.lockedUntil = 0;
      this.store.attempts.put(st, now);
      this.store.record({ type: "kiosk.lockout_cleared", data: { source, by, wasLockedForMs: before.lockedForMs, failures: before.failures } }, now);
      return { ...before, lockedUntil: null, lockedForMs: 0, failures: 0, remaining: this.settings.maxFailures };
    });
  }

  recordFailure(source: string): FailureOutcome {
    const now = this.clock.now();
    const s = this.settings;
    return this.store.write(() => {
      const st = this.store.attempts.get(source);
      st.failures = st.failures.filter((t) => t > now - s.windowMs);
      st.trips = st.trips.filter((t) => t > now - s.memoryMs);
      st.failures.push(now);
      let lockedForMs = 0;
      if (st.failures.length >= s.maxFailures) {
        lockedForMs = lockoutMs(s, st.trips.length);
        st.trips.push(now);
        st.failures = [];
        st.lockedUntil = now + lockedForMs;
        this.store.record(
          { type: "alarm.pickup_lockout", data: { source, trips: st.trips.length, lockedForMs, lockedUntil: new Date(st.lockedUntil).toISOString() } },
          now,
        );
      }
      this.store.attempts.put(st, now);
      return { lockedForMs, remaining: lockedForMs > 0 ? 0 : s.maxFailures - st.failures.length };
    });
  }
}

export interface LockoutView {
  source: string;
  /** ISO time the lockout ends; null when the source may try. */
  lockedUntil: string | null;
  lockedForMs: number;
  /** Failures in the current window not yet folded into a lockout. */
  failures: number;
  /** Failures left before the next lockout. */
  remaining: number;
  /** Lockouts remembered (each makes the next one longer). */
  trips: number;
}

/** What the limiter holds about each source that failed recently: the technician's view. */
export function lockoutViews(store: Store, settings: LimiterSettings, now: number): LockoutView[] {
  return store.attempts.recent(now - settings.memoryMs).flatMap((st) => lockoutView(st, settings, now) ?? []);
}

/** One source's view; null when nothing about it counts any more. */
function lockoutView(st: AttemptState, settings: LimiterSettings, now: number): LockoutView | null {
  const failures = st.failures.filter((t) => t > now - settings.windowMs).length;
  const trips = st.trips.filter((t) => t > now - settings.memoryMs).length;
  const lockedForMs = Math.max(0, st.lockedUntil - now);
  if (failures === 0 && trips === 0 && lockedForMs === 0) return null;
  return {
    source: st.source,
    lockedUntil: lockedForMs > 0 ? new Date(st.lockedUntil).toISOString() : null,
    lockedForMs,
    failures,
    remaining: lockedForMs > 0 ? 0 : Math.max(0, settings.maxFailures - failures),
    trips,
  };
}

/**
 * A pickup by code through the limiter: refused while the source is locked out, a wrong code
 * counts against it. A wrong code is rejected without any I/O, so its failure is recorded
 * before another request's check can run: concurrent requests cannot slip guesses past it.
 */
export async function limitedPickupByCode(ctx: BankContext, limiter: AttemptLimiter, code: string, source: PickupSource): Promise<PickupResult> {
  const key = sourceKey(source);
  limiter.check(key);
  const attempt = pickupByCode(ctx, code, source);
  try {
    return await attempt;
  } catch (e) {
    if (isLockerdError(e, "INVALID_CODE")) {
      const outcome = limiter.recordFailure(key);
      if (outcome.lockedForMs > 0) throw new LockerdError("TOO_MANY_ATTEMPTS", "the code is not valid; too many failed attempts from here, try again later", { retryAfterSeconds: Math.ceil(outcome.lockedForMs / 1000) });
    }
    throw e;
  }
}
