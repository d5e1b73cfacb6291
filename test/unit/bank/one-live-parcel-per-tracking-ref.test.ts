/**
 * Issue 24 item 1: a courier's client that retries an assignment after a lost answer must not
 * reserve a second locker. A tracking reference held by a live parcel (ASSIGNED or STORED) is
 * refused by the assignment itself, inside its transaction, so every path (API, kiosk scan) obeys.
 */
import { afterEach, describe, expect, it } from "vitest";
import { assignLocker } from "../../../src/bank/assign.js";
import { pickupByCode } from "../../../src/bank/pickup.js";
import { createTestBank, type TestBank } from "../../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

describe("one live parcel per tracking reference", () => {
  it("refuses a second assignment of a reserved or stored parcel, naming the locker it is in, and changes nothing", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"], ["A03", "S"]] });
    const a = await bank.assign("S", "TRACK-1");
    const seq = bank.store.events.lastSeq();
    await expect(assignLocker(bank.ctx, { size: "S", trackingRef: "TRACK-1" })).rejects.toMatchObject({
      code: "PARCEL_ALREADY_IN_BANK",
      details: { lockerId: a.lockerId, parcelId: a.parcelId, parcelStatus: "ASSIGNED" },
    });
    expect(bank.store.events.lastSeq()).toBe(seq);
    expect(bank.pulses()).toEqual([a.lockerId]);
    bank.deposit(a);
    await expect(assignLocker(bank.ctx, { size: "M", trackingRef: "TRACK-1" })).rejects.toMatchObject({ code: "PARCEL_ALREADY_IN_BANK", details: { lockerId: a.lockerId, parcelStatus: "STORED" } });
    // Other parcels, and parcels with no reference, are not affected.
    expect((await bank.assign("S", "TRACK-2")).lockerId).toBe("A02");
    expect((await bank.assign("S", null)).lockerId).toBe("A03");
  });

  it("takes the reference again once its parcel has left the bank", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
    const a = await bank.assign("S", "TRACK-1");
    bank.deposit(a);
    await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad", id: "main" });
    bank.open(a.lockerId);
    bank.close(a.lockerId);
    expect((await assignLocker(bank.ctx, { size: "S", trackingRef: "TRACK-1" })).lockerId).toBe("A01");
  });

  it("lets two concurrent assignments of one reference reserve only one locker", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
    const results = await Promise.allSettled([assignLocker(bank.ctx, { size: "S", trackingRef: "T" }), assignLocker(bank.ctx, { size: "S", trackingRef: "T" })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "PARCEL_ALREADY_IN_BANK" } });
    expect(bank.store.parcels.find({ trackingRef: "T" })).toHaveLength(1);
  });
});
