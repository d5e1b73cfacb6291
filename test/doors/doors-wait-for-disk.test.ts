import { afterEach, describe, expect, it } from "vitest";
import { pickupByCode } from "../../src/bank/pickup.js";
import { createTestBank, type TestBank } from "../support/bank.js";
import { slowCard } from "../support/slow-card.js";

const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

let bank: TestBank | null = null;
afterEach(async () => {
  await bank?.dispose();
  bank = null;
});

describe("a door opens only for a commit that is on disk", () => {
  it("a courier's locker and a customer's pickup: no pulse until the flush of their commit is done", async () => {
    const card = slowCard();
    bank = await createTestBank({ flush: { sync: card.sync } });
    card.hold();
    let assigned = false;
    const assigning = bank.assign("S", "TRACK-1").then((a) => ((assigned = true), a));
    await turns();
    // committed (the event is in the database), but the card has not confirmed it: no pulse yet
    expect(bank.events("parcel.assigned")).toHaveLength(1);
    expect(card.waiting()).toBe(1);
    expect(bank.pulses()).toEqual([]);
    expect(assigned).toBe(false);
    card.release();
    const a = await assigning;
    expect(bank.pulses()).toEqual([a.lockerId]);
    bank.deposit(a);

    card.hold();
    const pickup = pickupByCode(bank.ctx, a.pickupCode, { channel: "http" });
    await turns();
    expect(bank.events("pickup.requested")).toHaveLength(1);
    expect(bank.pulses()).toEqual([a.lockerId]);
    card.release();
    await pickup;
    expect(bank.pulses()).toEqual([a.lockerId, a.lockerId]);
  });

  it("a flush that fails leaves the door shut and the use case failing with STORAGE_FAILED", async () => {
    const failures: Error[] = [];
    bank = await createTestBank({
      flush: {
        sync: async () => {
          throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
        },
      },
    });
    bank.store.onFlushFailure = (e) => failures.push(e);
    await expect(bank.assign("S", "TRACK-2")).rejects.toMatchObject({ code: "STORAGE_FAILED" });
    expect(bank.pulses()).toEqual([]);
    expect(failures).toHaveLength(1);
  });
});
