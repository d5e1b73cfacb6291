import { afterEach, expect, it } from "vitest";
import { availability } from "../../src/bank/queries.js";
import { createTestBank, eventTypes, type TestBank } from "../support/bank.js";

const SETTLE = 50;
const TEN_MINUTES = 10 * 60_000;

let bank: TestBank;
afterEach(async () => bank?.dispose());

it("a locker whose door stands open is not assigned", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], doors: { sensorSettleMs: SETTLE } });
  // Forced open: an alarm, and no place for a new parcel.
  bank.move("A01", "open");
  expect(eventTypes(bank.store)).toEqual(["alarm.door_forced"]);
  expect(availability(bank.ctx, (id) => bank.supervisor.doorOf(id)).available.S).toBe(1);
  const a = await bank.assign("S");
  expect(a.lockerId).toBe("A02");
  expect(bank.sim.pulses.map((p) => p.lockerId)).toEqual(["A02"]);

  // With every other locker taken, the open one is still not handed out, and nothing is left pending.
  await expect(bank.assign("S")).rejects.toMatchObject({ code: "NO_LOCKER_AVAILABLE" });
  expect(bank.store.intents.listActive().map((i) => i.lockerId)).toEqual(["A02"]);

  // Closed again, it is a locker like any other, and its deposit completes.
  bank.move("A01", "closed");
  const b = await bank.assign("S");
  expect(b.lockerId).toBe("A01");
  bank.move("A01", "open");
  bank.move("A01", "closed");
  expect(bank.store.parcels.get(b.parcelId)!.status).toBe("STORED");
  expect(bank.store.lockers.get("A01")!.status).toBe("OCCUPIED");
});

it("the reported case: a door opened without an unlock and closed after an assignment leaves nothing pending", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], doors: { sensorSettleMs: SETTLE } });
  bank.move("A01", "open");
  const a = await bank.assign("S");
  bank.move("A01", "closed");
  bank.clock.advance(TEN_MINUTES);
  // The assignment went to the closed locker and ended by its timeout like any unopened deposit.
  expect(a.lockerId).toBe("A02");
  expect(bank.store.intents.get(a.intentId)!.state).toBe("timed_out");
  expect(bank.store.intents.listActive()).toEqual([]);
  expect(bank.store.lockers.list().map((l) => l.status)).toEqual(["AVAILABLE", "AVAILABLE"]);
});

it("a door whose sensor reads open but has not settled yet is not assigned either", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], doors: { sensorSettleMs: SETTLE } });
  bank.open("A01");
  expect((await bank.assign("S")).lockerId).toBe("A02");
  bank.clock.advance(SETTLE);
  expect(eventTypes(bank.store)).toContain("alarm.door_forced");
});

it("a door found open at start is not assigned, raises the left-open alarm, and is assigned once closed", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], doors: { sensorSettleMs: SETTLE } });
  bank = await bank.reopen({ doorsAtStart: { A01: "open" } });
  expect(bank.supervisor.openUnattended()).toEqual(new Set(["A01"]));
  const a = await bank.assign("S");
  expect(a.lockerId).toBe("A02");
  bank.move("A02", "open");
  bank.move("A02", "closed");
  await expect(bank.assign("S")).rejects.toMatchObject({ code: "NO_LOCKER_AVAILABLE" });

  bank.clock.advance(120_000);
  expect(eventTypes(bank.store)).toContain("alarm.door_left_open");
  bank.move("A01", "closed");
  expect(eventTypes(bank.store).at(-1)).toBe("alarm.door_closed");
  const b = await bank.assign("S");
  expect(b.lockerId).toBe("A01");
  bank.move("A01", "open");
  bank.move("A01", "closed");
  expect(bank.store.parcels.get(b.parcelId)!.status).toBe("STORED");
  expect(bank.store.intents.listActive()).toEqual([]);
});
