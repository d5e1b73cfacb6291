import { afterEach, describe, expect, it } from "vitest";
import { collectExpired, expireDue, extendDeadline } from "../../../src/bank/expiry.js";
import { pickupByCode } from "../../../src/bank/pickup.js";
import { getParcel } from "../../../src/bank/queries.js";
import { createTestBank, type TestBank } from "../../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

const HOUR = 3_600_000;

async function stored(b: TestBank) {
  const a = await b.assign("S");
  b.deposit(a);
  return a;
}

describe("expiry", () => {
  it("expires stored parcels past their deadline, and only those", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"], ["A03", "S"]] });
    const early = await stored(bank);
    bank.clock.advance(HOUR);
    const late = await stored(bank);
    const assigned = await bank.assign("S");
    bank.open(assigned.lockerId); // deposit in progress, door open: not a stored parcel
    bank.clock.advance(71 * HOUR - 1);
    expect(expireDue(bank.ctx)).toEqual([]);
    bank.clock.advance(1);
    expect(expireDue(bank.ctx)).toEqual([early.parcelId]);
    expect(bank.store.parcels.get(early.parcelId)).toMatchObject({ status: "EXPIRED", codeHash: null, inLocker: true, expiredAt: bank.clock.now() });
    expect(bank.store.parcels.get(late.parcelId)!.status).toBe("STORED");
    expect(bank.store.lockers.get("A01")!.status).toBe("OCCUPIED");
    expect(expireDue(bank.ctx)).toEqual([]);
    await expect(pickupByCode(bank.ctx, early.pickupCode, { channel: "http" })).rejects.toMatchObject({ code: "INVALID_CODE" });
  });

  it("collectExpired opens the door and frees the locker when it closes", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await stored(bank);
    await expect(collectExpired(bank.ctx, a.parcelId)).rejects.toMatchObject({ code: "INVALID_STATE" });
    bank.clock.advance(72 * HOUR);
    expireDue(bank.ctx);
    await expect(collectExpired(bank.ctx, a.parcelId)).resolves.toEqual({ parcelId: a.parcelId, lockerId: "A01" });
    await expect(collectExpired(bank.ctx, a.parcelId)).rejects.toMatchObject({ code: "LOCKER_BUSY" });
    bank.open("A01");
    expect(bank.store.parcels.get(a.parcelId)!.removedAt).toBe(bank.clock.now());
    expect(bank.store.lockers.get("A01")!.status).toBe("OCCUPIED");
    bank.close("A01");
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "EXPIRED", inLocker: false });
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
    await expect(collectExpired(bank.ctx, a.parcelId)).rejects.toMatchObject({ code: "INVALID_STATE" });
    await expect(collectExpired(bank.ctx, "p_00000000000000000000")).rejects.toMatchObject({ code: "PARCEL_NOT_FOUND" });
  });

  it("a collection whose door never opens leaves the parcel in place to try again", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await stored(bank);
    bank.clock.advance(72 * HOUR);
    expireDue(bank.ctx);
    await collectExpired(bank.ctx, a.parcelId);
    bank.clock.advance(30_000);
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "EXPIRED", inLocker: true, removedAt: null });
    await expect(collectExpired(bank.ctx, a.parcelId)).resolves.toMatchObject({ lockerId: "A01" });
  });

  it("a pickup whose door opens just after the deadline still counts as picked up", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await stored(bank);
    bank.clock.advance(72 * HOUR - 10_000);
    await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
    bank.clock.advance(10_000); // deadline passes while the door is unlocking
    expireDue(bank.ctx);
    bank.open("A01"); // the customer takes the parcel
    bank.close("A01");
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "PICKED_UP", inLocker: false });
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
  });

  it("a late pickup whose door never opens is expired by the next sweep", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await stored(bank);
    bank.clock.advance(72 * HOUR - 10_000);
    await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
    bank.clock.advance(10_000);
    expect(expireDue(bank.ctx)).toEqual([]);
    bank.clock.advance(20_000); // open timeout
    expect(expireDue(bank.ctx)).toEqual([a.parcelId]);
  });

  it("extendDeadline moves a live parcel's deadline and refuses the rest", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await stored(bank);
    const later = a.expiresAt + 24 * HOUR;
    extendDeadline(bank.ctx, a.parcelId, later);
    expect(getParcel(bank.ctx, a.parcelId).expiresAt).toBe(new Date(later).toISOString());
    expect(() => extendDeadline(bank.ctx, a.parcelId, bank.clock.now())).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    bank.clock.advance(96 * HOUR);
    expireDue(bank.ctx);
    expect(() => extendDeadline(bank.ctx, a.parcelId, bank.clock.now() + HOUR)).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    expect(() => getParcel(bank.ctx, "p_00000000000000000000")).toThrow(expect.objectContaining({ code: "PARCEL_NOT_FOUND" }));
  });
});
