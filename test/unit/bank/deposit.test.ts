import { afterEach, describe, expect, it } from "vitest";
import { cancelAssignment } from "../../../src/bank/service.js";
import { createTestBank, eventTypes, type TestBank } from "../../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

describe("deposit", () => {
  it("open then close stores the parcel and occupies the locker", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    bank.open("A01");
    expect(bank.store.parcels.get(a.parcelId)!.status).toBe("ASSIGNED");
    expect(bank.store.lockers.get("A01")!.status).toBe("RESERVED");
    bank.close("A01");
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "STORED", storedAt: bank.clock.now(), inLocker: true });
    expect(bank.store.lockers.get("A01")!.status).toBe("OCCUPIED");
    expect(bank.store.intents.active("A01")).toBeUndefined();
    expect(eventTypes(bank.store)).toEqual(["parcel.assigned", "door.opened", "door.unlock_outcome", "door.closed", "parcel.stored"]);
  });

  it("a door never opened within the timeout returns the locker and cancels the assignment", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    bank.clock.advance(29_999);
    expect(bank.store.lockers.get("A01")!.status).toBe("RESERVED");
    bank.clock.advance(1);
    expect(bank.store.lockers.get("A01")).toMatchObject({ status: "AVAILABLE", failedOpens: 1 });
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "CANCELLED", inLocker: false, codeHash: null });
    expect(eventTypes(bank.store)).toEqual(["parcel.assigned", "door.open_timeout", "door.unlock_outcome", "parcel.cancelled", "locker.released"]);
    // A door that opens late is a forced door, not a deposit.
    bank.open("A01");
    expect(eventTypes(bank.store)).toContain("alarm.door_forced");
    bank.close("A01");
    expect(bank.store.parcels.get(a.parcelId)!.status).toBe("CANCELLED");
  });

  it("takes a locker whose door repeatedly fails to open out of service", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    for (let i = 0; i < 3; i++) {
      await bank.assign("S");
      bank.clock.advance(30_000);
    }
    expect(bank.store.lockers.get("A01")).toMatchObject({ status: "OUT_OF_SERVICE", failedOpens: 3 });
    expect(bank.store.lockers.get("A01")!.serviceReason).toMatch(/did not open 3 times/);
    await expect(bank.assign("S")).rejects.toMatchObject({ code: "NO_LOCKER_AVAILABLE" });
  });

  it("cancel before the door opens frees the locker when the unlock times out", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    cancelAssignment(bank.ctx, a.parcelId, "courier changed their mind");
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "CANCELLED", codeHash: null, inLocker: true });
    expect(bank.store.lockers.get("A01")!.status).toBe("RESERVED");
    bank.clock.advance(30_000);
    expect(bank.store.parcels.get(a.parcelId)!.inLocker).toBe(false);
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
  });

  it("cancel while the door is open frees the locker when it closes (the parcel did not fit)", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    bank.open("A01");
    cancelAssignment(bank.ctx, a.parcelId);
    bank.close("A01");
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "CANCELLED", inLocker: false });
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
    expect(eventTypes(bank.store).slice(-2)).toEqual(["door.closed", "locker.released"]);
  });

  it("cancel with no door operation in progress frees the locker at once", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    // Simulate a restart that ended the intent (the door supervisor forgot it).
    bank.store.write(() => bank.store.intents.setState(a.intentId, "aborted", bank.clock.now()));
    cancelAssignment(bank.ctx, a.parcelId);
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "CANCELLED", inLocker: false });
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
  });

  it("cancel refuses a stored parcel and an unknown one", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    bank.deposit(a);
    expect(() => cancelAssignment(bank.ctx, a.parcelId)).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    expect(() => cancelAssignment(bank.ctx, "p_00000000000000000000")).toThrow(expect.objectContaining({ code: "PARCEL_NOT_FOUND" }));
  });
});
