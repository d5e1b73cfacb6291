/**
 * The attempt limiter, part of the bank: every pickup code and courier PIN typed or sent passes
 * through it (pickup.ts, pinSignIn below); no caller chooses whether it applies. Failures are
 * counted per source — a keypad, an HTTP caller — and per kind: codes and PINs are kept apart
 * ("keypad:main" and "keypad:main:pin"), so a vandal typing PINs cannot lock customers out and
 * the courier PINs keep their own, stricter rules. Kept in SQLite so a restart does not
 * forgive, and never reset by a success: at a shared keypad a success is usually someone
 * else's. The rules and the yearly bound they give are in guess-bound.ts; why codes use short,
 * fixed lockouts is in the README ("Guessing codes does not pay").
 */
import type { AttemptState } from "../store/attempts.js";
import type { Store } from "../store/store.js";
import type { BankContext } from "./context.js";
import { LockerdError } from "../basics/errors.js";
import { MAX_TRIPS_KEPT, lockoutMs, type LimiterSettings } from "./guess-bound.js";
import type { PickupSource } from "./pickup.js";
import type { Clock } from "../basics/ports.js";

export type { LimiterSettings } from "./guess-bound.js";

/**
 * Pickup codes: five failures lock the source for 40 s, every time. A vandal typing at human
 * speed (one code every 2 s) needs 8 s to use up the next five tries after each lockout, so a
 * customer retrying within that time is served within 40 + 8 s. The price is paid in code
 * length (codes.digits 11 by default), see guess-bound.ts.
 */
export const DEFAULT_CODE_LIMITER: LimiterSettings = {
  maxFailures: 5,
  windowMs: 86_400_000,
  baseLockoutMs: 40_000,
  lockoutGrowth: 1,
  maxLockoutMs: 40_000,
  memoryMs: 86_400_000,
  alarmEveryMs: 3_600_000,
};

/** Courier PINs: lockouts doubling from 1 min to 24 h, remembered for 30 days; every trip alarms. */
export const DEFAULT_PIN_LIMITER: LimiterSettings = {
  maxFailures: 5,
  windowMs: 86_400_000,
  baseLockoutMs: 60_000,
  lockoutGrowth: 2,
  maxLockoutMs: 86_400_000,
  memoryMs: 30 * 86_400_000,
  alarmEveryMs: 0,
};

/** The limiter's rules for each kind of secret. */
export interface AttemptRules {
  codes: LimiterSettings;
  pins: LimiterSettings;
}

export const DEFAULT_ATTEMPTS: AttemptRules = { codes: DEFAULT_CODE_LIMITER, pins: DEFAULT_PIN_LIMITER };

/** The rules from the configuration's `limiter` section (codes at the top, PINs under `pins`). */
export function attemptRules(limiter: LimiterSettings & { pins: LimiterSettings }): AttemptRules {
  const { maxFailures, windowMs, baseLockoutMs, lockoutGrowth, maxLockoutMs, memoryMs, alarmEveryMs, pins } = limiter;
  return { codes: { maxFailures, windowMs, baseLockoutMs, lockoutGrowth, maxLockoutMs, memoryMs, alarmEveryMs: alarmEveryMs ?? 0 }, pins };
}

export interface FailureOutcome {
  /** > 0 when this failure tripped a lockout. */
  lockedForMs: number;
  /** Failures left before the next lockout (0 when locked). */
  remaining: number;
}

/** The limiter's key for codes from a source, e.g. "keypad:main", "http:token:front-kiosk". */
export const sourceKey = (s: PickupSource) => `${s.channel}:${s.id ?? "-"}`;
/** The limiter's key for courier PINs from a source, e.g. "keypad:main:pin". */
export const pinSourceKey = (s: PickupSource) => `${sourceKey(s)}:pin`;

const isPinKey = (source: string) => source.endsWith(":pin");

/** The bank's limiter, with the bank's rules. */
export function limiterOf(ctx: BankContext): AttemptLimiter {
  return new AttemptLimiter(ctx.store, ctx.clock, ctx.policy.attempts);
}

export class AttemptLimiter {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly rules: AttemptRules,
  ) {}

  /** The rules that apply to a limiter key. */
  settingsFor(source: string): LimiterSettings {
    return isPinKey(source) ? this.rules.pins : this.rules.codes;
  }

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
    return lockoutViews(this.store, this.rules, this.clock.now());
  }

  /**
   * A technician lifts a source's lockout and forgives its failures (a customer who mistyped,
   * now standing at the bank). The trips are kept: the next lockout is as long as it would
   * have been, so clearing cannot be used to guess faster. Recorded as an event, which ends the
   * fleet's pickup_lockout alarm (one per bank) unless another source's alarm is not over yet:
   * the event names those (stillAlarmed) and the center leaves the alarm open (central
   * migration 13); it ends with the last one's clear or, run out, its kiosk.lockout_ended.
   */
  clear(source: string, by: string): LockoutView {
    const now = this.clock.now();
    const settings = this.settingsFor(source);
    return this.store.write(() => {
      const st = this.store.attempts.get(source);
      const before = lockoutView(st, settings, now);
      if (!before) throw new LockerdError("NOT_FOUND", `no failed attempts recorded from ${JSON.stringify(source)}`);
      st.failures = [];
      st.lockedUntil = 0;
      // this source's alarm ends with the event: its next trip alarms at once, and no end follows
      st.alarmedAt = 0;
      this.store.attempts.put(st, now);
      // an alarm over but not yet swept does not hold the fleet's open (its end follows anyway)
      const stillAlarmed = this.store.attempts
        .alarmed()
        .filter((o) => o.source !== source && now < this.alarmEnd(o))
        .map((o) => o.source);
      this.store.record(
        { type: "kiosk.lockout_cleared", data: { source, by, wasLockedForMs: before.lockedForMs, failures: before.failures, stillAlarmed } },
        now,
      );
      return { ...before, lockedUntil: null, lockedForMs: 0, failures: 0, remaining: settings.maxFailures };
    });
  }

  /**
   * Alarmed lockouts that ran out by themselves (no technician cleared them) end with an event:
   * the fleet keeps a pickup_lockout alarm open until one says it is over. A source's alarm
   * stands for its lockout and for every later one its throttle (alarmEveryMs) kept quiet, so it
   * is over once the source is free and its next trip would alarm again. The fleet holds one
   * pickup_lockout alarm per bank, so the ends are recorded only when every alarmed source's is
   * over: one kiosk.lockout_ended each, and each source's alarm is forgotten (alarmedAt 0), so
   * nothing is recorded twice. Called by the bank's periodic sweep; returns the sources ended.
   */
  endRunOutAlarms(): string[] {
    const now = this.clock.now();
    const ended = () => {
      const alarmed = this.store.attempts.alarmed();
      return alarmed.every((st) => now >= this.alarmEnd(st)) ? alarmed : [];
    };
    // read first: a sweep with nothing to end writes nothing
    if (ended().length === 0) return [];
    return this.store.write(() =>
      ended().map((st) => {
        const data = { source: st.source, alarmedAt: new Date(st.alarmedAt).toISOString(), endedAt: new Date(this.alarmEnd(st)).toISOString() };
        st.alarmedAt = 0;
        this.store.attempts.put(st, now);
        this.store.record({ type: "kiosk.lockout_ended", data }, now);
        return st.source;
      }),
    );
  }

  /** When a source's alarm is over: its lockout has run out and its alarm throttle too. */
  private alarmEnd(st: AttemptState): number {
    return Math.max(st.lockedUntil, st.alarmedAt + (this.settingsFor(st.source).alarmEveryMs ?? 0));
  }

  recordFailure(source: string): FailureOutcome {
    const now = this.clock.now();
    const s = this.settingsFor(source);
    return this.store.write(() => {
      const st = this.store.attempts.get(source);
      st.failures = st.failures.filter((t) => t > now - s.windowMs);
      st.trips = st.trips.filter((t) => t > now - s.memoryMs);
      st.failures.push(now);
      let lockedForMs = 0;
      if (st.failures.length >= s.maxFailures) {
        lockedForMs = lockoutMs(s, st.trips.length);
        st.trips.push(now);
        // Bounded: lockoutMs stops growing at MAX_TRIPS_KEPT trips (and so does the bound).
        if (st.trips.length > MAX_TRIPS_KEPT) st.trips = st.trips.slice(-MAX_TRIPS_KEPT);
        st.failures = [];
        st.lockedUntil = now + lockedForMs;
        // A vandal at the keypad trips a short code lockout every minute: one alarm an hour
        // (alarmEveryMs) says so without flooding the outbox; 0 alarms at every trip.
        if (!s.alarmEveryMs || now - st.alarmedAt >= s.alarmEveryMs) {
          st.alarmedAt = now;
          this.store.record(
            { type: "alarm.pickup_lockout", data: { source, trips: st.trips.length, lockedForMs, lockedUntil: new Date(st.lockedUntil).toISOString() } },
            now,
          );
        }
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
  /** Lockouts remembered (each makes the next one longer when the rules grow them). */
  trips: number;
}

/** What the limiter holds about each source that failed recently: the technician's view. */
export function lockoutViews(store: Store, rules: AttemptRules, now: number): LockoutView[] {
  const since = now - Math.max(rules.codes.memoryMs, rules.pins.memoryMs);
  return store.attempts.recent(since).flatMap((st) => lockoutView(st, isPinKey(st.source) ? rules.pins : rules.codes, now) ?? []);
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
 * A courier's PIN through the limiter (its own ":pin" key, its own rules): refused while that
 * key is locked out; `verify` answers who the PIN belongs to (null: nobody), and a wrong PIN
 * counts. The answer for a wrong PIN is INVALID_CODE, or TOO_MANY_ATTEMPTS when it tripped.
 */
export async function pinSignIn<T>(ctx: BankContext, source: PickupSource, verify: () => Promise<T | null>): Promise<T> {
  const limiter = limiterOf(ctx);
  const key = pinSourceKey(source);
  limiter.check(key);
  const who = await verify();
  if (who !== null) return who;
  const outcome = limiter.recordFailure(key);
  if (outcome.lockedForMs > 0) throw new LockerdError("TOO_MANY_ATTEMPTS", "the PIN is not valid; too many failed attempts from here, try again later", { retryAfterSeconds: Math.ceil(outcome.lockedForMs / 1000) });
  throw new LockerdError("INVALID_CODE", "the PIN is not valid");
}
