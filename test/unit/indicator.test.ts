import { describe, expect, it } from "vitest";
import { GpioIndicator, type GpioOutput } from "../../src/output/gpio-indicator.js";
import { PATTERNS, STEPS } from "../../src/output/indicator.js";
import { testLogger } from "../support/log.js";

class FakeGpio implements GpioOutput {
  values: number[] = [];
  unexported = false;
  fail = false;
  constructor(readonly pin: number) {}
  writeSync(v: 0 | 1): void {
    if (this.fail) throw new Error("EIO");
    this.values.push(v);
  }
  unexport(): void {
    this.unexported = true;
  }
}

function build(activeLow = false) {
  const pins = new Map<number, FakeGpio>();
  const ind = new GpioIndicator((pin) => {
    const g = new FakeGpio(pin);
    pins.set(pin, g);
    return g;
  }, { buzzer: 17, green: 27, red: 22, activeLow }, testLogger());
  return { ind, buzzer: pins.get(17)!, green: pins.get(27)!, red: pins.get(22)! };
}

describe("the GPIO indicator", () => {
  it("every pattern is distinct by sound and by light", () => {
    const sound = PATTERNS.map((p) => JSON.stringify(STEPS[p].map((s) => [s.buzzer, s.ms])));
    const light = PATTERNS.map((p) => JSON.stringify(STEPS[p].map((s) => [s.green, s.red, s.ms])));
    expect(new Set(sound).size).toBe(PATTERNS.length);
    expect(new Set(light).size).toBe(PATTERNS.length);
  });

  it("starts with everything off, plays a pattern step by step and ends off", async () => {
    const { ind, buzzer, green, red } = build();
    expect([buzzer.values, green.values, red.values]).toEqual([[0], [0], [0]]);
    ind.show("accepted");
    expect([buzzer.values.at(-1), green.values.at(-1), red.values.at(-1)]).toEqual([1, 1, 0]);
    await new Promise((r) => setTimeout(r, 1300));
    expect([buzzer.values, green.values]).toEqual([[0, 1, 0, 0], [0, 1, 1, 0]]);
    await ind.stop();
  });

  it("a new pattern replaces the old one; stop switches off and releases; active-low inverts", async () => {
    const { ind, red, buzzer } = build(true);
    expect(red.values).toEqual([1]);
    ind.show("door_opening");
    ind.show("rejected");
    expect(red.values.at(-1)).toBe(0); // active low: 0 is on
    await ind.stop();
    expect([red.values.at(-1), buzzer.values.at(-1)]).toEqual([1, 1]);
    expect(red.unexported && buzzer.unexported).toBe(true);
  });

  it("a failing output is logged, never thrown", async () => {
    const { ind, green } = build();
    green.fail = true;
    expect(() => ind.show("error")).not.toThrow();
    await ind.stop();
  });
});
