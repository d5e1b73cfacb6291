import { afterEach, describe, expect, it } from "vitest";
import { LockerdError } from "../../../src/basics/errors.js";
import { expireDue } from "../../../src/bank/expiry.js";
import { pickupByCode } from "../../../src/bank/pickup.js";
import { createTestBank, eventTypes, type TestBank } from "../../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

const HOUR = 3_600_000;
const pickup = (b: TestBank, code: string) => pickupByCode(b.ctx, code, { channel: "keypad", id: "kp1" });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected the pickup to fail");
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(LockerdError);
      const { code, message, details } = e as LockerdError;
      return { code, message, details };
    },
  );

async function storedParcel(b: TestBank) {
  const a = await b.assign("S");
  b.deposit(a);
  return a;
}

describe("pickup by code", () => {
  it("opens the door of a stored parcel; the parcel is picked up when it opens and the locker free when it closes", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
    const a = await storedParcel(bank);
    const pulsesBefore = bank.sim.pulses.length;
    await expect(pickup(bank, a.pickupCode)).resolves.toEqual({ parcelId: a.parcelId, lockerId: "A01" });
    expect(bank.sim.pulses.slice(pulsesBefore).map((p) => p.lockerId)).toEqual(["A01"]);
    expect(bank.store.parcels.get(a.parcelId)!.status).toBe("STORED");

    bank.open("A01");
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "PICKED_UP", codeHash: null, inLocker: true });
    expect(bank.store.lockers.get("A01")!.status).toBe("OCCUPIED");
    bank.close("A01");
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "PICKED_UP", inLocker: false });
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
    expect(bank.outcomeErrors).toEqual([]);
  });

  it("answers wrong, used, expired and malformed codes with one identical error", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"], ["A03", "S"]] });
    const used = await storedParcel(bank);
    await pickup(bank, used.pickupCode);
    bank.deposit({ lockerId: used.lockerId });
    const expiring = await storedParcel(bank);
    bank.clock.advance(72 * HOUR + 1);
    // Past the deadline but before the sweep: already refused.
    const expiredBeforeSweep = await failure(pickup(bank, expiring.pickupCode));
    expireDue(bank.ctx);
    const live = await storedParcel(bank);
    const wrong = live.pickupCode === "12345678" ? "87654321" : "12345678";

    const answers = [
      await failure(pickup(bank, wrong)),
      await failure(pickup(bank, used.pickupCode)),
      expiredBeforeSweep,
      await failure(pickup(bank, expiring.pickupCode)),
      await failure(pickup(bank, "123")),
      await failure(pickup(bank, "abcdefgh")),
      await failure(pickup(bank, "")),
    ];
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]!.code).toBe("INVALID_CODE");
    // Nothing opened for any of them, and each rejection is in the log without the code.
    const rejected = bank.store.events.query({ type: "pickup.rejected", limit: 1000 });
    expect(rejected).toHaveLength(answers.length);
    for (const e of rejected) expect(JSON.stringify(e.data)).not.toMatch(/[0-9]{6}/);
    expect(bank.store.parcels.get(live.parcelId)!.status).toBe("STORED");
  });

  it("works once: the same code after the door opened is refused", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await storedParcel(bank);
    await pickup(bank, a.pickupCode);
    bank.open("A01");
    await expect(pickup(bank, a.pickupCode)).rejects.toMatchObject({ code: "INVALID_CODE" });
    bank.close("A01");
    await expect(pickup(bank, a.pickupCode)).rejects.toMatchObject({ code: "INVALID_CODE" });
  });

  it("still works after a door that did not open", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await storedParcel(bank);
    await pickup(bank, a.pickupCode);
    bank.clock.advance(30_000); // open timeout: the door never moved
    expect(eventTypes(bank.store)).toContain("door.open_timeout");
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "STORED" });
    expect(bank.store.parcels.get(a.parcelId)!.codeHash).not.toBeNull();
    expect(bank.store.intents.active("A01")).toBeUndefined();

    await expect(pickup(bank, a.pickupCode)).resolves.toMatchObject({ lockerId: "A01" });
    bank.open("A01");
    bank.close("A01");
    expect(bank.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
    expect(bank.store.lockers.get("A01")).toMatchObject({ status: "AVAILABLE", failedOpens: 0 });
  });

  it("a repeated code while the door is still unlocking pulses the same intent again", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await storedParcel(bank);
    await pickup(bank, a.pickupCode);
    const first = bank.store.intents.active("A01")!;
    await pickup(bank, a.pickupCode);
    expect(bank.store.intents.active("A01")!.id).toBe(first.id);
    expect(bank.store.intents.listActive()).toHaveLength(1);
  });

  it("refuses while the locker is busy with another door operation, and when its door is offline", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await storedParcel(bank);
    const { technicianOpen } = await import("../../../src/bank/service.js");
    await technicianOpen(bank.ctx, "A01", { force: true });
    await expect(pickup(bank, a.pickupCode)).rejects.toMatchObject({ code: "LOCKER_BUSY" });
    bank.clock.advance(30_000);
    bank.sim.setOnline(["A01"], false);
    await expect(pickup(bank, a.pickupCode)).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE" });
    bank.sim.setOnline(["A01"], true);
    await expect(pickup(bank, a.pickupCode)).resolves.toMatchObject({ lockerId: "A01" });
  });

  it("a pickup whose unlock fails leaves the code usable", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await storedParcel(bank);
    const unlock = bank.sim.unlock.bind(bank.sim);
    bank.sim.unlock = async () => {
      throw new Error("no answer");
    };
    await expect(pickup(bank, a.pickupCode)).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE" });
    bank.sim.unlock = unlock;
    expect(bank.store.intents.active("A01")).toBeUndefined();
    expect(eventTypes(bank.store)).toContain("door.unlock_failed");
    await expect(pickup(bank, a.pickupCode)).resolves.toMatchObject({ lockerId: "A01" });
  });
});
