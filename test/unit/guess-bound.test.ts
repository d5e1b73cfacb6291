import { describe, expect, it } from "vitest";
import { DEFAULT_CODE_LIMITER, DEFAULT_PIN_LIMITER as DEFAULT_LIMITER } from "../../src/bank/attempts.js";
import { chanceOfAnySuccess, guessingBound, lockoutMs, maxGuessesPerYear, maxTripsPerMemory } from "../../src/bank/guess-bound.js";

describe("the yearly guessing bound", () => {
  it("matches the worked example in durability-and-codes.md (100 parcels, 7,300 guesses a year)", () => {
    // 6 digits: 0.73 expected successes, about a 52% chance of at least one.
    expect(chanceOfAnySuccess(100 / 1e6, 7300)).toBeCloseTo(0.518, 3);
    // 8 digits: about 0.73%.
    expect(chanceOfAnySuccess(100 / 1e8, 7300)).toBeCloseTo(0.0073, 4);
  });

  it("counts the doubling (PIN) limiter's worst case by hand: 40 trips a month, 4 quiet failures a day", () => {
    // Lockouts 1, 2, 4 ... 1024 min (11 gaps, 2047 min), then 24 h each: 28 more fit in 30 days.
    expect(lockoutMs(DEFAULT_LIMITER, 0)).toBe(60_000);
    expect(lockoutMs(DEFAULT_LIMITER, 11)).toBe(86_400_000);
    expect(maxTripsPerMemory(DEFAULT_LIMITER)).toBe(40);
    // 5 failures x 40 trips x 13 spans of 30 days + 4 failures x 365 windows of a day.
    expect(maxGuessesPerYear(DEFAULT_LIMITER)).toBe(5 * 40 * 13 + 4 * 365);
  });

  it("a constant lockout is an arithmetic series", () => {
    const s = { maxFailures: 1, windowMs: 86_400_000, baseLockoutMs: 3_600_000, lockoutGrowth: 1, maxLockoutMs: 3_600_000, memoryMs: 86_400_000 };
    // 24 one-hour gaps do not fit strictly inside a day, 23 do: 24 trips.
    expect(maxTripsPerMemory(s)).toBe(24);
  });

  it("keeps the doubling rules' demo bank with 8-digit codes well under 1% and refuses 6 digits", () => {
    const ok = guessingBound({ lockers: 24, codeDigits: 8, sources: 1, limiter: DEFAULT_LIMITER });
    expect(ok.guessesPerYear).toBe(4060);
    expect(ok.yearlyChance).toBeLessThan(0.001);
    const weak = guessingBound({ lockers: 24, codeDigits: 6, sources: 1, limiter: DEFAULT_LIMITER });
    expect(weak.yearlyChance).toBeGreaterThan(0.01);
  });

  it("adds PIN guesses under their own rules to code guesses, and multiplies by sources", () => {
    const b = guessingBound({ lockers: 10, codeDigits: 10, sources: 3, limiter: DEFAULT_CODE_LIMITER, pinLimiter: DEFAULT_LIMITER, pinCouriers: 5, pinDigits: 6 });
    expect(b.perGuess).toBeCloseTo(1e-9, 15);
    expect(b.perPinGuess).toBeCloseTo(5e-6, 12);
    expect(b.pinGuessesPerYear).toBe(3 * 4060);
    const codesAlone = chanceOfAnySuccess(b.perGuess, b.guessesPerYear);
    const pinsAlone = chanceOfAnySuccess(b.perPinGuess, b.pinGuessesPerYear);
    expect(b.yearlyChance).toBeCloseTo(1 - (1 - codesAlone) * (1 - pinsAlone), 12);
  });
});

describe("the default configuration's bound (issue 24: short code lockouts paid for with longer codes)", () => {
  it("stays under 1% a year, as lockerctl doctor computes it, for the demo bank and for a bank with a keypad and two kiosk tokens", async () => {
    const { loadConfig } = await import("../../src/config/load.js");
    const { checkBruteForce } = await import("../../src/cli/doctor/bank-checks.js");
    const demo = loadConfig({ env: {} });
    expect(checkBruteForce(demo, 24)).toMatchObject({ status: "pass" });
    const b = guessingBound({ lockers: 24, codeDigits: demo.codes.digits, sources: 3, limiter: demo.limiter, pinLimiter: demo.limiter.pins });
    // 5 failures per 40 s lockout: 2,160 trips a day, 365 days, plus 4 quiet failures a day.
    expect(b.guessesPerSourcePerYear).toBe(5 * 2160 * 365 + 4 * 365);
    expect(b.yearlyChance).toBeLessThan(0.01);
    expect(b.yearlyChance).toBeCloseTo(1 - Math.exp(-3 * b.guessesPerSourcePerYear * 24e-11), 6);
  });
});
