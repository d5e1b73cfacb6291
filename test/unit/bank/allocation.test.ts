import { afterEach, describe, expect, it } from "vitest";
import { isLockerdError } from "../../../src/basics/errors.js";
import { createTestBank, type TestBank } from "../../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

/** Assign and complete the deposit so the locker stays OCCUPIED. */
async function fill(b: TestBank, size: string): Promise<string> {
  const a = await b.assign(size);
  b.deposit(a);
  return a.lockerId;
}

describe("allocation order", () => {
  it("gives the smallest fitting size first, then layout order", async () => {
    bank = await createTestBank({
      lockers: [["A01", "L"], ["A02", "M"], ["A03", "S"], ["A04", "M"], ["A05", "S"], ["A06", "L"]],
    });
    expect(await fill(bank, "S")).toBe("A03");
    expect(await fill(bank, "S")).toBe("A05");
    // S lockers are gone: an S parcel goes to the first M, then the next M, then L in layout order.
    expect(await fill(bank, "S")).toBe("A02");
    expect(await fill(bank, "S")).toBe("A04");
    expect(await fill(bank, "S")).toBe("A01");
    expect(await fill(bank, "S")).toBe("A06");
    await expect(bank.assign("S")).rejects.toMatchObject({ code: "NO_LOCKER_AVAILABLE" });
  });

  it("fits S into S, M, L; M into M, L; L only into L", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "M"], ["A03", "L"]] });
    expect(await fill(bank, "L")).toBe("A03");
    await expect(bank.assign("L")).rejects.toMatchObject({ code: "NO_LOCKER_AVAILABLE" });
    // An M parcel never takes the S locker.
    expect(await fill(bank, "M")).toBe("A02");
    await expect(bank.assign("M")).rejects.toMatchObject({ code: "NO_LOCKER_AVAILABLE" });
    expect(await fill(bank, "S")).toBe("A01");
  });

  it("follows the demo bank's layout: 8 S, then 8 M, then 8 L for S parcels", async () => {
    bank = await createTestBank();
    const got: string[] = [];
    for (let i = 0; i < 24; i++) got.push(await fill(bank, "S"));
    const sizeOf = new Map(bank.layout.lockers.map((l) => [l.id, l.size]));
    expect(got.map((id) => sizeOf.get(id))).toEqual([...Array(8).fill("S"), ...Array(8).fill("M"), ...Array(8).fill("L")]);
    expect(got.slice(0, 8)).toEqual(["A01", "A02", "A03", "A04", "B01", "B02", "B03", "B04"]);
    expect(new Set(got).size).toBe(24);
  });

  it("answers NO_LOCKER_AVAILABLE with its stable code and changes nothing", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    await fill(bank, "S");
    const before = bank.store.events.lastSeq();
    const err = await bank.assign("S").catch((e: unknown) => e);
    expect(isLockerdError(err, "NO_LOCKER_AVAILABLE")).toBe(true);
    expect((err as { details: unknown }).details).toEqual({ size: "S" });
    expect(bank.store.events.lastSeq()).toBe(before);
  });

  it("skips reserved, occupied and out-of-service lockers and those whose hardware is offline", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"], ["A03", "S"], ["A04", "S"]] });
    const reserved = await bank.assign("S"); // A01 RESERVED, door not yet opened
    expect(reserved.lockerId).toBe("A01");
    bank.store.write(() => bank.store.lockers.setStatus("A02", "OUT_OF_SERVICE", "test", 0));
    bank.sim.setOnline(["A03"], false);
    expect(await fill(bank, "S")).toBe("A04");
    await expect(bank.assign("S")).rejects.toMatchObject({ code: "NO_LOCKER_AVAILABLE" });
  });

  it("rejects an unknown size as VALIDATION_FAILED naming the field", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    await expect(bank.assign("XL")).rejects.toMatchObject({ code: "VALIDATION_FAILED", details: { field: "size" } });
  });

  it("reserves the locker and unlocks its door for the deposit", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S", "TRACK-1");
    expect(bank.store.lockers.get("A01")!.status).toBe("RESERVED");
    const p = bank.store.parcels.get(a.parcelId)!;
    expect(p).toMatchObject({ status: "ASSIGNED", lockerId: "A01", trackingRef: "TRACK-1", inLocker: true, size: "S" });
    expect(p.expiresAt - p.createdAt).toBe(72 * 3_600_000);
    expect(bank.sim.pulses.map((x) => x.lockerId)).toEqual(["A01"]);
    expect(bank.supervisor.doorOf("A01")).toBe("unlocking");
  });

  it("gives the locker back when the lock cannot be driven", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    // Offline after the allocation read: the unlock itself fails.
    const unlock = bank.sim.unlock.bind(bank.sim);
    bank.sim.unlock = async () => {
      throw new Error("board gone");
    };
    await expect(bank.assign("S")).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE" });
    bank.sim.unlock = unlock;
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
    expect(bank.store.parcels.find({})[0]).toMatchObject({ status: "CANCELLED", inLocker: false, codeHash: null });
    expect((await bank.assign("S")).lockerId).toBe("A01");
  });
});
