import { afterEach, describe, expect, it } from "vitest";
import { availability } from "../../../src/bank/queries.js";
import { cancelAssignment, setInService, setOutOfService, technicianOpen } from "../../../src/bank/service.js";
import { createTestBank, eventTypes, type TestBank } from "../../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

describe("out of service and back", () => {
  it("takes an empty locker out of service and back to AVAILABLE", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
    setOutOfService(bank.ctx, "A01", "hinge broken");
    expect(bank.store.lockers.get("A01")).toMatchObject({ status: "OUT_OF_SERVICE", serviceReason: "hinge broken" });
    expect((await bank.assign("S")).lockerId).toBe("A02");
    setInService(bank.ctx, "A01");
    expect(bank.store.lockers.get("A01")).toMatchObject({ status: "AVAILABLE", serviceReason: null });
    expect(eventTypes(bank.store).filter((t) => t.startsWith("locker."))).toEqual(["locker.out_of_service", "locker.in_service"]);
  });

  it("refuses an occupied locker without force, and says which parcel it holds", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    bank.deposit(a);
    const seq = bank.store.events.lastSeq();
    expect(() => setOutOfService(bank.ctx, "A01", "x")).toThrow(expect.objectContaining({ code: "LOCKER_OCCUPIED", details: { parcelId: a.parcelId } }));
    expect(bank.store.lockers.get("A01")!.status).toBe("OCCUPIED");
    expect(bank.store.events.lastSeq()).toBe(seq);
    setOutOfService(bank.ctx, "A01", "leaking roof", { force: true });
    expect(bank.store.lockers.get("A01")!.status).toBe("OUT_OF_SERVICE");
    // The parcel stays stored and can still be picked up; back in service it is OCCUPIED again.
    expect(bank.store.parcels.get(a.parcelId)!.status).toBe("STORED");
    setInService(bank.ctx, "A01");
    expect(bank.store.lockers.get("A01")!.status).toBe("OCCUPIED");
  });

  it("a reserved locker comes back as RESERVED", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    await bank.assign("S");
    expect(() => setOutOfService(bank.ctx, "A01", "x")).toThrow(expect.objectContaining({ code: "LOCKER_OCCUPIED" }));
    setOutOfService(bank.ctx, "A01", "x", { force: true });
    setInService(bank.ctx, "A01");
    expect(bank.store.lockers.get("A01")!.status).toBe("RESERVED");
  });

  it("a locker whose cancelled deposit is still at the door comes back as RESERVED, then frees", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    bank.open("A01");
    cancelAssignment(bank.ctx, a.parcelId);
    setOutOfService(bank.ctx, "A01", "x", { force: true });
    setInService(bank.ctx, "A01");
    expect(bank.store.lockers.get("A01")!.status).toBe("RESERVED");
    bank.close("A01");
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
  });

  it("an out-of-service locker stays so when its parcel leaves", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    bank.deposit(a);
    setOutOfService(bank.ctx, "A01", "inspect", { force: true });
    const { pickupByCode } = await import("../../../src/bank/pickup.js");
    await pickupByCode(bank.ctx, a.pickupCode, { channel: "http" });
    bank.open("A01");
    bank.close("A01");
    expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ status: "PICKED_UP", inLocker: false });
    expect(bank.store.lockers.get("A01")!.status).toBe("OUT_OF_SERVICE");
    setInService(bank.ctx, "A01");
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
  });

  it("unknown lockers are LOCKER_NOT_FOUND; repeating is harmless", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    expect(() => setOutOfService(bank.ctx, "Z99", "x")).toThrow(expect.objectContaining({ code: "LOCKER_NOT_FOUND" }));
    expect(() => setInService(bank.ctx, "Z99")).toThrow(expect.objectContaining({ code: "LOCKER_NOT_FOUND" }));
    setOutOfService(bank.ctx, "A01", "x");
    const seq = bank.store.events.lastSeq();
    setOutOfService(bank.ctx, "A01", "x");
    setInService(bank.ctx, "A01");
    setInService(bank.ctx, "A01");
    expect(eventTypes(bank.store, seq)).toEqual(["locker.in_service"]);
  });
});

describe("technician open", () => {
  it("opens an empty locker's door and changes no parcel or locker state", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    await expect(technicianOpen(bank.ctx, "A01")).resolves.toMatchObject({ lockerId: "A01" });
    expect(bank.sim.pulses.map((p) => p.lockerId)).toEqual(["A01"]);
    bank.open("A01");
    bank.close("A01");
    expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
    expect(eventTypes(bank.store)).toEqual(["door.technician_open", "door.opened", "door.unlock_outcome", "door.closed"]);
    expect(bank.store.intents.active("A01")).toBeUndefined();
  });

  it("needs force for an occupied locker and refuses a busy one", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
    const a = await bank.assign("S");
    await expect(technicianOpen(bank.ctx, "A01", { force: true })).rejects.toMatchObject({ code: "LOCKER_BUSY" });
    bank.deposit(a);
    await expect(technicianOpen(bank.ctx, "A01")).rejects.toMatchObject({ code: "LOCKER_OCCUPIED" });
    await technicianOpen(bank.ctx, "A01", { force: true });
    bank.open("A01");
    bank.close("A01");
    expect(bank.store.parcels.get(a.parcelId)!.status).toBe("STORED");
    expect(bank.store.lockers.get("A01")!.status).toBe("OCCUPIED");
    await expect(technicianOpen(bank.ctx, "Z01")).rejects.toMatchObject({ code: "LOCKER_NOT_FOUND" });
  });

  it("an unlock that cannot be sent leaves no open intent", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    bank.sim.setOnline(["A01"], false);
    await expect(technicianOpen(bank.ctx, "A01")).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE" });
    expect(bank.store.intents.active("A01")).toBeUndefined();
    expect(eventTypes(bank.store)).toEqual(["hardware.offline", "door.technician_open", "door.unlock_failed", "door.unlock_outcome"]);
  });
});

describe("availability", () => {
  it("counts per size and status and lists every locker with its door and parcel", async () => {
    bank = await createTestBank();
    const a = await bank.assign("M");
    const b = await bank.assign("S");
    bank.deposit(b);
    setOutOfService(bank.ctx, "D06", "x");
    bank.sim.setOnline(["A02"], false);
    const v = availability(bank.ctx, (id) => bank.supervisor.doorOf(id));
    expect(v.lockers).toHaveLength(24);
    expect(v.available).toEqual({ S: 6, M: 7, L: 7 });
    expect(v.counts.S).toEqual({ AVAILABLE: 7, RESERVED: 0, OCCUPIED: 1, OUT_OF_SERVICE: 0 });
    expect(v.counts.M).toEqual({ AVAILABLE: 7, RESERVED: 1, OCCUPIED: 0, OUT_OF_SERVICE: 0 });
    expect(v.counts.L).toEqual({ AVAILABLE: 7, RESERVED: 0, OCCUPIED: 0, OUT_OF_SERVICE: 1 });
    expect(v.lockers.find((l) => l.id === a.lockerId)).toMatchObject({ status: "RESERVED", door: "unlocking", parcelId: a.parcelId });
    expect(v.lockers.find((l) => l.id === b.lockerId)).toMatchObject({ status: "OCCUPIED", door: "closed", parcelId: b.parcelId });
  });
});
