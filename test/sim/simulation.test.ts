/**
 * The deterministic simulation in its bounded CI form: several seeds, each weeks of simulated
 * traffic, invariants checked after every step. LOCKERD_SIM_SEED replays one seed;
 * LOCKERD_SIM_SEEDS / LOCKERD_SIM_STEPS make longer runs (see README, Reliability).
 */
import { describe, expect, it } from "vitest";
import { runSimulation } from "./bank-world.js";

const replay = process.env.LOCKERD_SIM_SEED;
const seedCount = Number(process.env.LOCKERD_SIM_SEEDS ?? 4);
const steps = Number(process.env.LOCKERD_SIM_STEPS ?? 1500);
const seeds = replay ? [Number(replay)] : Array.from({ length: seedCount }, (_, i) => 1000 + i);

describe("deterministic simulation of weeks of traffic", () => {
  for (const seed of seeds) {
    it(`seed ${seed}: ${steps} steps keep every invariant`, async () => {
      const stats = await runSimulation(seed, steps);
      console.log(`seed ${seed}: ${JSON.stringify(stats)}`);
      expect(stats.steps).toBe(steps);
      // The run must have exercised the bank, not idled.
      expect(stats.assigned).toBeGreaterThan(steps / 10);
      expect(stats.pickedUp).toBeGreaterThan(0);
      expect(stats.simulatedDays).toBeGreaterThan(7);
    }, 300_000);
  }

  it("is deterministic: the same seed gives the same run", async () => {
    const a = await runSimulation(7, 300);
    const b = await runSimulation(7, 300);
    expect(a).toEqual(b);
  }, 120_000);
});
