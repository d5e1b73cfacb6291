import { afterEach, describe, expect, it } from "vitest";
import { isLockerdError } from "../../src/basics/errors.js";
import { createTestBank, type TestBank } from "../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

describe("overlapping assigns in one process", () => {
  it("100 assigns at once against 24 lockers: exactly 24 succeed, no locker twice", async () => {
    bank = await createTestBank();
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => bank.assign("S", `T${i}`)));
    const ok = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(ok).toHaveLength(24);
    expect(failed).toHaveLength(76);
    for (const e of failed) expect(isLockerdError(e, "NO_LOCKER_AVAILABLE")).toBe(true);
    expect(new Set(ok.map((a) => a.lockerId)).size).toBe(24);
    expect(new Set(ok.map((a) => a.pickupCode)).size).toBe(24);
    // The database agrees: 24 live parcels, each in its own reserved locker.
    const live = bank.store.parcels.find({ status: "ASSIGNED", limit: 1000 });
    expect(live).toHaveLength(24);
    expect(bank.store.lockers.list().every((l) => l.status === "RESERVED")).toBe(true);
    expect(bank.store.events.query({ type: "parcel.assigned", limit: 1000 })).toHaveLength(24);
  });

  it("mixed sizes at once still respect fit and never double-book", async () => {
    bank = await createTestBank();
    const sizes = Array.from({ length: 60 }, (_, i) => ["L", "M", "S"][i % 3]!);
    const results = await Promise.allSettled(sizes.map((s) => bank.assign(s)));
    const rank = { S: 0, M: 1, L: 2 } as Record<string, number>;
    const ok = results.flatMap((r, i) => (r.status === "fulfilled" ? [{ ...r.value, asked: sizes[i]! }] : []));
    expect(ok).toHaveLength(24);
    expect(new Set(ok.map((a) => a.lockerId)).size).toBe(24);
    for (const a of ok) expect(rank[a.size]!).toBeGreaterThanOrEqual(rank[a.asked]!);
    // L parcels came first in the queue: all 8 L lockers went to L parcels.
    expect(ok.filter((a) => a.asked === "L")).toHaveLength(8);
  });

  it("assigns interleaved with deposits and pickups keep one parcel per locker", async () => {
    bank = await createTestBank();
    const { pickupByCode } = await import("../../src/bank/pickup.js");
    for (let round = 0; round < 5; round++) {
      const got = (await Promise.allSettled(Array.from({ length: 30 }, () => bank.assign("S")))).flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      for (const a of got) bank.deposit(a);
      await Promise.all(got.slice(0, 12).map((a) => pickupByCode(bank.ctx, a.pickupCode, { channel: "http" })));
      for (const a of got.slice(0, 12)) bank.deposit(a); // the customer opens and closes
      const inLocker = bank.store.db.prepare<[], { lockerId: string; n: number }>(`SELECT locker_id AS lockerId, count(*) AS n FROM parcels WHERE in_locker = 1 GROUP BY locker_id`).all();
      expect(inLocker.every((r) => r.n === 1)).toBe(true);
      expect(inLocker).toHaveLength(bank.store.lockers.list().filter((l) => l.status !== "AVAILABLE").length);
    }
    expect(bank.outcomeErrors).toEqual([]);
  });
});
