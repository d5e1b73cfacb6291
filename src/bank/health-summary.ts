/** A bank's compartment health in a few numbers, for its status report to the center (fleet view). */
import type { BankContext } from "./context.js";
import { bankHealth, healthPolicy } from "./health.js";

export interface HealthSummary {
  threshold: number;
  lockers: number;
  below: number;
  worst: { lockerId: string; score: number; jams: number; cycles: number }[];
}

export function healthSummary(ctx: BankContext, worstCount = 5): HealthSummary {
  const all = bankHealth(ctx);
  const threshold = healthPolicy(ctx).outOfServiceBelow;
  const worst = [...all]
    .sort((a, b) => a.score - b.score || a.lockerId.localeCompare(b.lockerId))
    .slice(0, worstCount)
    .map((h) => ({ lockerId: h.lockerId, score: h.score, jams: h.jams, cycles: h.cycles }));
  return { threshold, lockers: all.length, below: all.filter((h) => h.score < threshold).length, worst };
}
