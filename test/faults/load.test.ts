/**
 * The daemon under a sustained mixed load (bounded: LOCKERD_LOAD_SECONDS, default 40; loopback
 * only): no server errors, the invariants hold afterwards, and memory and latency stay flat
 * (the last slice against the first, with room for noise; `npm run soak` runs it for minutes).
 */
import { describe, expect, it } from "vitest";
import { checkInvariants } from "./invariants.js";
import { runLoad } from "./load-driver.js";

const SECONDS = Number(process.env.LOCKERD_LOAD_SECONDS ?? 40);

describe("sustained mixed load", () => {
  it(`${SECONDS} s of couriers, customers and readers keep latency and memory flat`, async () => {
    const report = await runLoad({ seconds: SECONDS, clients: 4, slices: 4 });
    try {
      console.log(`load: ${JSON.stringify({ ...report, cleanup: undefined })}`);
      expect(report.serverErrors).toBe(0);
      expect(report.cycles).toBeGreaterThan(50);
      expect(checkInvariants(report.dbPath).problems).toEqual([]);
      // Slice 0 includes start-up and JIT warm-up; compare the second slice with the last.
      const [, second, , last] = report.slices;
      expect(last!.rssMiB - second!.rssMiB, "resident memory grew under steady load").toBeLessThan(40);
      expect(last!.p50Ms, "median latency grew under steady load").toBeLessThan(Math.max(3 * second!.p50Ms, 10));
    } finally {
      report.cleanup();
    }
  }, 180_000);
});
