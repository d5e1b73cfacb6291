import { afterEach, expect, it } from "vitest";
import { collectExpired, expireDue } from "../../src/bank/expiry.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { technicianOpen } from "../../src/bank/service.js";
import { createTestBank, eventTypes, type TestBank } from "../support/bank.js";

const SETTLE = 50;

let bank: TestBank;
afterEach(async () => bank?.dispose());

function move(b: TestBank, lockerId: string, pos: "open" | "closed"): void {
  if (pos === "open") b.open(lockerId);
  else b.close(lockerId);
  b.clock.advance(SETTLE);
}

async function stored(b: TestBank) {
  const a = await b.assign("S");
  move(b, a.lockerId, "open");
  move(b, a.lockerId, "closed");
  expect(b.store.parcels.get(a.parcelId)!.status).toBe("STORED");
  return a;
}

it("a pickup while the door is already open completes when it closes", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"]], doors: { sensorSettleMs: SETTLE } });
  const a = await stored(bank);
  const pulses = bank.sim.pulses.length;
  move(bank, "A01", "open");
  expect(eventTypes(bank.store).at(-1)).toBe("alarm.door_forced");

  // The customer finds the door open and enters the code: nothing to pulse, the door is open.
  await expect(pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" })).resolves.toEqual({ parcelId: a.parcelId, lockerId: "A01" });
  expect(bank.sim.pulses.length).toBe(pulses);
  expect(bank.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  expect(bank.store.intents.active("A01")!).toMatchObject({ purpose: "pickup", state: "opened" });

  move(bank, "A01", "closed");
  expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
  expect(bank.store.intents.listActive()).toEqual([]);
  expect(eventTypes(bank.store).slice(-6)).toEqual(["pickup.requested", "door.opened", "parcel.picked_up", "door.closed", "locker.released", "alarm.door_closed"]);
  // The code is spent and the locker is handed out again.
  await expect(pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" })).rejects.toMatchObject({ code: "INVALID_CODE" });
  expect((await bank.assign("S")).lockerId).toBe("A01");
});

it("a pickup whose door jammed and was then pulled open completes when the code is entered again and the door closes", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"]], doors: { sensorSettleMs: SETTLE } });
  const a = await stored(bank);
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
  bank.clock.advance(30_000);
  expect(eventTypes(bank.store).at(-1)).toBe("door.open_timeout");
  move(bank, "A01", "open"); // pulled open after the timeout: a forced door
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
  move(bank, "A01", "closed");
  expect(bank.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
  expect(bank.store.intents.listActive()).toEqual([]);
});

it("a pickup while a door left open after a restart stands open completes when it closes", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"]], doors: { sensorSettleMs: SETTLE } });
  const a = await stored(bank);
  bank = await bank.reopen({ doorsAtStart: { A01: "open" } });
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
  expect(bank.sim.pulses).toEqual([]);
  move(bank, "A01", "closed");
  expect(bank.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");
  expect(bank.store.intents.listActive()).toEqual([]);
});

it("a collection or a technician's opening of a door that stands open completes when it closes", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], doors: { sensorSettleMs: SETTLE }, policy: { pickupWindowMs: 60_000 } });
  const a = await stored(bank);
  bank.clock.advance(60_000);
  expect(expireDue(bank.ctx)).toEqual([a.parcelId]);
  move(bank, "A01", "open");
  await collectExpired(bank.ctx, a.parcelId);
  move(bank, "A01", "closed");
  expect(bank.store.parcels.get(a.parcelId)!).toMatchObject({ status: "EXPIRED", inLocker: false });
  expect(bank.store.lockers.get("A01")!.status).toBe("AVAILABLE");

  move(bank, "A02", "open");
  const t = await technicianOpen(bank.ctx, "A02");
  expect(bank.store.intents.get(t.intentId)!.state).toBe("opened");
  move(bank, "A02", "closed");
  expect(bank.store.intents.get(t.intentId)!.state).toBe("closed");
  expect(bank.store.intents.listActive()).toEqual([]);
  expect(bank.sim.pulses.map((p) => p.lockerId)).toEqual(["A01"]);
});
