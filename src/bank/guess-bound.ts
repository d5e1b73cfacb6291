/**
 * How likely an attacker at a keypad is to open any door in a year, from the configuration
 * alone. Pure functions: the daemon runs them at start and refuses a configuration over the
 * limit (see durability-and-codes.md for the reasoning and the worked example).
 *
 * The limiter's rules per source (see attempts.ts): failures count in a sliding window of
 * windowMs; the maxFailures-th failure in the window trips a lockout and empties the window;
 * the k-th trip within memoryMs locks for min(baseLockoutMs * lockoutGrowth^(k-1), maxLockoutMs).
 *
 * Upper bound on failures a source can make in a year:
 *  - failures that never trip a lockout: at most maxFailures-1 in any windowMs;
 *  - failures that trip: maxFailures per trip, and within any memoryMs-long span the gaps
 *    between T consecutive trips are at least L(0), L(1), ..., L(T-2), so their sum is < memoryMs.
 */
export const YEAR_MS = 365 * 86_400_000;
/** The chance of opening any door in a year that the daemon accepts by default. */
export const MAX_YEARLY_CHANCE = 0.01;

export interface LimiterSettings {
  maxFailures: number;
  windowMs: number;
  baseLockoutMs: number;
  lockoutGrowth: number;
  maxLockoutMs: number;
  memoryMs: number;
  /** At most one alarm.pickup_lockout per source this often (0 or absent: every trip). */
  alarmEveryMs?: number;
}

/** A source remembers at most this many trips; lockouts stop growing there. */
export const MAX_TRIPS_KEPT = 256;

/** Lockout length for a trip with `priorTrips` other trips still remembered. */
export function lockoutMs(s: LimiterSettings, priorTrips: number): number {
  return Math.min(s.baseLockoutMs * s.lockoutGrowth ** Math.min(priorTrips, MAX_TRIPS_KEPT), s.maxLockoutMs);
}

/** The most trips a source can make within any span shorter than memoryMs. */
export function maxTripsPerMemory(s: LimiterSettings): number {
  let gaps = 0;
  let sum = 0;
  for (;;) {
    const l = lockoutMs(s, gaps);
    if (l >= s.maxLockoutMs || s.lockoutGrowth === 1 || gaps >= MAX_TRIPS_KEPT) break;
    if (sum + l >= s.memoryMs) return gaps + 1;
    sum += l;
    gaps++;
  }
  const l = lockoutMs(s, gaps);
  // Largest k with sum + k*l < memoryMs.
  const more = Math.max(0, Math.ceil((s.memoryMs - sum) / l) - 1);
  return gaps + more + 1;
}

/** Upper bound on failed guesses one source can make in a year. */
export function maxGuessesPerYear(s: LimiterSettings): number {
  const tripping = s.maxFailures * maxTripsPerMemory(s) * Math.ceil(YEAR_MS / s.memoryMs);
  const quiet = (s.maxFailures - 1) * Math.ceil(YEAR_MS / s.windowMs);
  return tripping + quiet;
}

/** 1 - (1 - p)^guesses, computed without losing tiny p to rounding. */
export function chanceOfAnySuccess(perGuess: number, guesses: number): number {
  if (perGuess >= 1) return guesses > 0 ? 1 : 0;
  return -Math.expm1(guesses * Math.log1p(-perGuess));
}

export interface GuessingInput {
  /** Lockers in the bank: a full bank has this many live codes. */
  lockers: number;
  codeDigits: number;
  /** Independent limiter sources an attacker can use (keypads, HTTP callers). */
  sources: number;
  /** The rules for pickup codes. */
  limiter: LimiterSettings;
  /** Couriers with a PIN and the PIN length: PIN guesses, limited by their own rules, also pay. */
  pinCouriers?: number;
  pinDigits?: number;
  /** The rules for PINs (kept apart from codes); default: the code rules. */
  pinLimiter?: LimiterSettings;
}

export interface GuessingBound {
  /** Failed code guesses one source can make in a year. */
  guessesPerSourcePerYear: number;
  /** Code guesses of every source. */
  guessesPerYear: number;
  /** Chance a single code guess opens something. */
  perGuess: number;
  /** PIN guesses of every source in a year, and the chance one signs in (0 without PINs). */
  pinGuessesPerYear: number;
  perPinGuess: number;
  /** Chance of at least one success (a door opened or a courier signed in) in a year. */
  yearlyChance: number;
}

/**
 * Codes and PINs are limited separately, so an attacker may use both budgets: the chance that
 * neither ever succeeds is the product of the two.
 */
export function guessingBound(i: GuessingInput): GuessingBound {
  const perSource = maxGuessesPerYear(i.limiter);
  const guessesPerYear = perSource * i.sources;
  const perGuess = i.lockers / 10 ** i.codeDigits;
  const perPinGuess = i.pinCouriers && i.pinDigits ? i.pinCouriers / 10 ** i.pinDigits : 0;
  const pinGuessesPerYear = perPinGuess > 0 ? maxGuessesPerYear(i.pinLimiter ?? i.limiter) * i.sources : 0;
  const missCodes = 1 - chanceOfAnySuccess(perGuess, guessesPerYear);
  const missPins = 1 - chanceOfAnySuccess(perPinGuess, pinGuessesPerYear);
  return { guessesPerSourcePerYear: perSource, guessesPerYear, perGuess, pinGuessesPerYear, perPinGuess, yearlyChance: 1 - missCodes * missPins };
}
