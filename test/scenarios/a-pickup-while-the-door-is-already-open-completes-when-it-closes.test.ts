import { afterEach, expect, it } from "vitest";
import { collectExpired, expireDue } from "../../src/bank/expiry.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { setInService, technicianOpen } from "../../src/bank/service.js";
import { createTestBank, eventTypes, type TestBank } from "../support/bank.js";

const SETTLE = 50;

let bank: TestBank;
afterEach(async () => bank?.dispose());

async function stored(b: TestBank) {
  const a = await b.assign("S");
  b.move(a.lockerId, "open");
  b.move(a.lockerId, "closed");
  expect(b.store.parcels.get(a.parcelId)!.status).toBe("STORED");
  return a;
}

it("a pickup while the door is already open completes when it closes", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"]], doors: { sensorSettleMs: SETTLE } });
  const a = await stored(bank);
  const pulses = bank.sim.pulses.length;
  bank.move("A01", "open");
  // Forced open over a parcel: the alarm, and the locker flagged for inspection (issue 24).
  expect(eventTypes(bank.store).slice(-2)).toEqual(["alarm.door_forced", "locker.flagged"]);

  // The customer finds the door open and enters the code: nothing to pulse, the door is open.
  await expect(pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" })).resolves.toEqual({ parcelId: a.parcelId, lockerId: "A01" });
  expect(bank.sim.pulses.length).toBe(pulses);
  expect(bank.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  expect(bank.store.intents.active("A01")!).toMatchObject({ purpose: "pickup", state: "opened" });

  bank.move("A01", "closed");
  // Released, but flagged: not handed out until a technician has looked.
  expect(bank.store.lockers.get("A01")!.status).toBe("OUT_OF_SERVICE");
  expect(bank.store.intents.listActive()).toEqual([]);
  expect(eventTypes(bank.store).slice(-6)).toEqual(["pickup.requested", "door.opened", "parcel.picked_up", "door.closed", "locker.released", "alarm.door_closed"]);
  // The code is spent; back in service, the locker is handed out again.
  await expect(pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" })).rejects.toMatchObject({ code: "INVALID_CODE" });
  setInService(bank.ctx, "A01");
  expect((await bank.assign("S")).lockerId).toBe("A01");
});

it("a pickup whose door jammed and was then pulled open completes when the code is entered again and the door closes", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"]], doors: { sensorSettleMs: SETTLE } });
  const a = await stored(bank);
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
  bank.clock.advance(30_000);
  // door truth (issue 20): the timeout's unlock outcome and the jam alarm follow it
  expect(eventTypes(bank.store).slice(-3)).toEqual(["door.open_timeout", "door.unlock_outcome", "alarm.door_jammed"]);
  bank.move("A01", "open"); // pulled open after the timeout: a forced door
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
  bank.move("A01", "closed");
  expect(bank.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  expect(bank.store.lockers.get("A01")!.status).toBe("OUT_OF_SERVICE");
  expect(bank.store.intents.listActive()).toEqual([]);
});

it("a pickup while a door left open after a restart stands open completes when it closes", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"]], doors: { sensorSettleMs: SETTLE } });
  const a = await stored(bank);
  bank = await bank.reopen({ doorsAtStart: { A01: "open" } });
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
  expect(bank.sim.pulses).toEqual([]);
  bank.move("A01", "closed");
  expect(bank.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  // Found open at start over a parcel: flagged for inspection (issue 24).
  expect(bank.store.lockers.get("A01")!.status).toBe("OUT_OF_SERVICE");
  expect(bank.store.intents.listActive()).toEqual([]);
});

it("a collection or a technician's opening of a door that stands open completes when it closes", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], doors: { sensorSettleMs: SETTLE }, policy: { pickupWindowMs: 60_000 } });
  const a = await stored(bank);
  bank.clock.advance(60_000);
  expect(expireDue(bank.ctx)).toEqual([a.parcelId]);
  bank.move("A01", "open");
  await collectExpired(bank.ctx, a.parcelId);
  bank.move("A01", "closed");
  expect(bank.store.parcels.get(a.parcelId)!).toMatchObject({ status: "EXPIRED", inLocker: false });
  expect(bank.store.lockers.get("A01")!.status).toBe("OUT_OF_SERVICE");

  bank.move("A02", "open");
  const t = await technicianOpen(bank.ctx, "A02");
  expect(bank.store.intents.get(t.intentId)!.state).toBe("opened");
  bank.move("A02", "closed");
  expect(bank.store.intents.get(t.intentId)!.state).toBe("closed");
  expect(bank.store.intents.listActive()).toEqual([]);
  expect(bank.sim.pulses.map((p) => p.lockerId)).toEqual(["A01"]);
});
