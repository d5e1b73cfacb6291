/** Allocation throughput: assign + deposit + pickup cycles per second, in one process. */
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { openBenchBank, type BenchBank } from "../support/bank.js";
import type { Benchmark } from "../support/result.js";
import { nowMs } from "../support/stats.js";

/** One full life of a parcel: assigned, deposited, picked up, locker free again. */
export async function parcelCycle(bank: BenchBank, i: number): Promise<void> {
  const size = (["S", "M", "L"] as const)[i % 3]!;
  const a = await assignLocker(bank.ctx, { size, trackingRef: `BENCH-${i}` });
  bank.cycleDoor(a.lockerId);
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "http", id: "bench" });
  bank.cycleDoor(a.lockerId);
}

export const allocationInProcess: Benchmark = async ({ quick, log }) => {
  const bank = await openBenchBank();
  try {
    const warm = quick ? 10 : 100;
    const n = quick ? 50 : 2000;
    for (let i = 0; i < warm; i++) await parcelCycle(bank, i);
    const t0 = nowMs();
    for (let i = 0; i < n; i++) await parcelCycle(bank, warm + i);
    const seconds = (nowMs() - t0) / 1000;
    log(`  ${n} cycles in ${seconds.toFixed(2)} s`);
    return [{ name: "allocation.cycles_per_s.in_process", value: round(n / seconds), unit: "cycles/s", cycles: n, transactionsPerCycle: 6 }];
  } finally {
    await bank.close();
  }
};

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
