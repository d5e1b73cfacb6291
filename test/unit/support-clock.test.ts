import { describe, expect, it } from "vitest";
import { FakeClock } from "../support/clock.js";
import { SeededRandom } from "../support/random.js";

describe("test support: FakeClock and SeededRandom", () => {
  it("fires due timers in order, at their own time, including timers they schedule; cancel works", () => {
    const c = new FakeClock(1000);
    const fired: string[] = [];
    c.after(300, () => fired.push(`b@${c.now()}`));
    c.after(100, () => {
      fired.push(`a@${c.now()}`);
      c.after(50, () => fired.push(`a2@${c.now()}`));
    });
    const h = c.after(200, () => fired.push("cancelled"));
    h.cancel();
    c.advance(299);
    expect(fired).toEqual(["a@1100", "a2@1150"]);
    expect(c.now()).toBe(1299);
    c.advance(1);
    expect(fired).toEqual(["a@1100", "a2@1150", "b@1300"]);
    expect(c.pendingTimers()).toBe(0);
  });

  it("a seed replays the same numbers; ints stay in range", () => {
    const a = new SeededRandom(9);
    const b = new SeededRandom(9);
    const xs = Array.from({ length: 50 }, () => a.int(10 ** 10));
    expect(xs).toEqual(Array.from({ length: 50 }, () => b.int(10 ** 10)));
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 10 ** 10)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(45);
    expect(a.bytes(8)).toEqual(b.bytes(8));
  });
});
