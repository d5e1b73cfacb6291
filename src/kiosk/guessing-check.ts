/**
 * At start: the chance that an attacker opens any door in a year with this configuration (a
 * full bank, the limiter's worst case, every source an attacker can use). Over 1% stops the
 * start with the numbers, unless limiter.allowWeakCodes says otherwise.
 */
import { MAX_YEARLY_CHANCE, guessingBound, type GuessingBound } from "../bank/guess-bound.js";
import { ConfigError } from "../config/errors.js";
import type { ResolvedConfig } from "../config/load.js";
import type { Logger } from "../system/logger.js";

/**
 * Limiter sources an attacker could use: the keypad and each caller allowed to POST /pickup
 * (technician passes, however many, are one source: api/pass-auth.ts).
 */
export function attackSources(cfg: ResolvedConfig, openForSimulator: boolean): number {
  const keypads = cfg.input.keypad.type === "none" ? 0 : 1;
  const tokens = cfg.api.tokens.filter((t) => t.role === "kiosk" || t.role === "technician").length + (cfg.envToken ? 1 : 0);
  const passes = cfg.passes.trustedKeys.length > 0 ? 1 : 0;
  return Math.max(1, keypads + tokens + passes + (openForSimulator ? 1 : 0));
}

/** `couriersWithPin`: PINs that can sign in, central's included (default: the configuration's). */
export function checkGuessingBound(cfg: ResolvedConfig, lockers: number, sources: number, log: Logger, couriersWithPin = cfg.couriers.filter((c) => c.pinHash).length): GuessingBound {
  const bound = guessingBound({ lockers, codeDigits: cfg.codes.digits, sources, limiter: cfg.limiter, pinLimiter: cfg.limiter.pins, pinCouriers: couriersWithPin, pinDigits: cfg.kiosk.pinDigits });
  const numbers = {
    lockers,
    codeDigits: cfg.codes.digits,
    sources,
    couriersWithPin,
    pinDigits: cfg.kiosk.pinDigits,
    guessesPerSourcePerYear: bound.guessesPerSourcePerYear,
    guessesPerYear: bound.guessesPerYear,
    pinGuessesPerYear: bound.pinGuessesPerYear,
    yearlyChancePercent: Number((bound.yearlyChance * 100).toPrecision(3)),
  };
  if (bound.yearlyChance < MAX_YEARLY_CHANCE) {
    log.info(numbers, "pickup guessing bound");
    return bound;
  }
  if (cfg.limiter.allowWeakCodes) {
    log.warn(numbers, "pickup codes are weak for this bank (limiter.allowWeakCodes is set)");
    return bound;
  }
  throw new ConfigError(cfg.paths.config ?? "configuration", [
    `limiter: with ${lockers} lockers full, ${cfg.codes.digits}-digit codes` +
      (couriersWithPin ? ` and ${couriersWithPin} courier PINs of ${cfg.kiosk.pinDigits} digits` : "") +
      ` and ${sources} attempt source(s) allowed ${bound.guessesPerSourcePerYear} failed code guesses each a year` +
      (couriersWithPin ? ` (and ${bound.pinGuessesPerYear} PIN guesses in all)` : "") +
      `,` +
      ` an attacker opens some door within a year with a chance of ${numbers.yearlyChancePercent}% (limit ${MAX_YEARLY_CHANCE * 100}%).` +
      ` Use more code digits (codes.digits), a stricter limiter (maxFailures ${cfg.limiter.maxFailures}, baseLockoutMs ${cfg.limiter.baseLockoutMs},` +
      ` maxLockoutMs ${cfg.limiter.maxLockoutMs}, memoryMs ${cfg.limiter.memoryMs}, windowMs ${cfg.limiter.windowMs}; PINs: limiter.pins.*), or set limiter.allowWeakCodes: true`,
  ]);
}
