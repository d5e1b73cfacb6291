import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AttemptLimiter, DEFAULT_PIN_LIMITER, type LimiterSettings } from "../../src/bank/attempts.js";

// The doubling rules (the PINs' defaults), applied here to every key.
const DEFAULT_LIMITER: LimiterSettings = { ...DEFAULT_PIN_LIMITER, alarmEveryMs: 0 };
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { FakeClock } from "../support/clock.js";

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function setup(settings = DEFAULT_LIMITER) {
  dir = mkdtempSync(join(tmpdir(), "lockerd-limiter-"));
  const clock = new FakeClock(1_700_000_000_000);
  const store = new Store(openDatabase(join(dir, "db.sqlite")));
  return { limiter: new AttemptLimiter(store, clock, { codes: settings, pins: settings }), store, advance: (ms: number) => clock.advance(ms) };
}

describe("the attempt limiter", () => {
  it("forgets failures older than the window, without tripping", () => {
    const { limiter, advance, store } = setup();
    for (let i = 0; i < 4; i++) limiter.recordFailure("keypad:main");
    advance(DEFAULT_LIMITER.windowMs + 1);
    expect(limiter.recordFailure("keypad:main")).toEqual({ lockedForMs: 0, remaining: 4 });
    store.close();
  });

  it("grows the lockout with remembered trips, caps it, and forgets trips after memoryMs", () => {
    const { limiter, advance, store } = setup();
    const trip = () => {
      let out = { lockedForMs: 0, remaining: 0 };
      for (let i = 0; i < DEFAULT_LIMITER.maxFailures; i++) out = limiter.recordFailure("http:x");
      advance(out.lockedForMs);
      return out.lockedForMs;
    };
    const lengths = Array.from({ length: 13 }, trip);
    expect(lengths.slice(0, 4)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(lengths.slice(11)).toEqual([86_400_000, 86_400_000]);
    advance(DEFAULT_LIMITER.memoryMs);
    expect(trip()).toBe(60_000);
    store.close();
  });

  it("keeps sources apart and reports the remaining lockout for Retry-After", () => {
    const { limiter, advance, store } = setup();
    for (let i = 0; i < 5; i++) limiter.recordFailure("keypad:main");
    expect(limiter.lockedForMs("keypad:main")).toBe(60_000);
    expect(limiter.lockedForMs("http:other")).toBe(0);
    advance(59_001);
    expect(() => limiter.check("keypad:main")).toThrow(expect.objectContaining({ code: "TOO_MANY_ATTEMPTS", details: { retryAfterSeconds: 1 } }));
    advance(1000);
    expect(() => limiter.check("keypad:main")).not.toThrow();
    store.close();
  });
});
