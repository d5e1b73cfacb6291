/**
 * Jam contingency and compartment health on the simulated lock bank and real SQLite: a pickup
 * whose door does not open keeps its code and raises alarm.door_jammed naming the free lockers
 * that fit; the technician moves the parcel and `move` re-homes its record in one transaction;
 * the customer's code opens the new door. A compartment whose score falls below the threshold is
 * taken out of service when empty, and never from under a parcel (alarm first, out when released).
 */
import { afterEach, expect, it } from "vitest";
import { healthScore, lockerHealth } from "../../src/bank/health.js";
import { moveParcel } from "../../src/bank/move.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { setInService, technicianOpen } from "../../src/bank/service.js";
import { createTestBank, type TestBank } from "../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

async function stored(b: TestBank, size = "S") {
  const a = await b.assign(size);
  b.move(a.lockerId, "open");
  b.move(a.lockerId, "closed");
  return a;
}

it("a jammed pickup raises an alarm; move re-homes the parcel and the customer's code opens the new door", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"], ["B01", "M"], ["C01", "L"]] });
  const a = await stored(bank);
  expect(a.lockerId).toBe("A01");
  await stored(bank); // A02 occupied: the S parcel can go to B01 or C01 only

  bank.sim.setFault("A01", "jammed");
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
  bank.clock.advance(30_000);
  const jam = bank.events("alarm.door_jammed");
  expect(jam).toHaveLength(1);
  expect(jam[0]).toMatchObject({ lockerId: "A01", parcelId: a.parcelId, data: { purpose: "pickup", failedOpens: 1, moveTo: ["B01", "C01"] } });
  expect(bank.store.parcels.get(a.parcelId)!.status).toBe("STORED");

  // refused moves leave everything as it was
  expect(() => moveParcel(bank.ctx, "A01", "A02")).toThrow(expect.objectContaining({ code: "LOCKER_OCCUPIED" }));
  expect(() => moveParcel(bank.ctx, "B01", "C01")).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
  expect(() => moveParcel(bank.ctx, "A01", "Z09")).toThrow(expect.objectContaining({ code: "LOCKER_NOT_FOUND" }));
  expect(() => moveParcel(bank.ctx, "A01", "A01")).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));

  const seq = bank.store.events.lastSeq();
  expect(moveParcel(bank.ctx, "A01", "B01")).toEqual({ parcelId: a.parcelId, from: "A01", to: "B01" });
  expect(bank.store.events.after(seq).map((e) => `${e.type} ${e.lockerId ?? ""}`.trim())).toEqual(["parcel.moved B01", "locker.flagged A01", "lockers.snapshot"]);
  expect(bank.store.parcels.get(a.parcelId)).toMatchObject({ lockerId: "B01", status: "STORED" });
  expect(bank.store.lockers.get("A01")).toMatchObject({ status: "OUT_OF_SERVICE", serviceReason: expect.stringContaining("moved to B01") });
  expect(bank.store.lockers.get("B01")!.status).toBe("OCCUPIED");

  // the same code now opens B01
  await expect(pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" })).resolves.toEqual({ parcelId: a.parcelId, lockerId: "B01" });
  bank.move("B01", "open");
  bank.move("B01", "closed");
  expect(bank.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  expect(bank.store.lockers.get("B01")!.status).toBe("AVAILABLE");
  expect(bank.store.lockers.get("A01")!.status).toBe("OUT_OF_SERVICE");
});

it("a compartment whose health falls below the threshold is taken out of service, never from under a parcel", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], policy: { maxFailedOpens: 100, health: { ratedCycles: 500_000, outOfServiceBelow: 70 } } });
  // An empty locker: three jams take 100 to 64, below 70: out of service at once, with the reason.
  bank.sim.setFault("A01", "jammed");
  for (let i = 0; i < 3; i++) {
    await technicianOpen(bank.ctx, "A01");
    bank.clock.advance(30_000);
  }
  expect(lockerHealth(bank.ctx, "A01")).toMatchObject({ score: 64, jams: 3, failedOpens: 3 });
  expect(bank.store.lockers.get("A01")).toMatchObject({ status: "OUT_OF_SERVICE", serviceReason: expect.stringMatching(/^health score 64 below 70: 3 jams/) });
  expect(bank.events("locker.flagged").at(-1)?.lockerId).toBe("A01");

  // Put back after a repair: the fault counters restart, the cycles stay.
  bank.sim.setFault("A01", null);
  setInService(bank.ctx, "A01");
  expect(lockerHealth(bank.ctx, "A01")).toMatchObject({ score: 100, jams: 0 });

  // A locker holding a parcel: alarm, not out of service; out of service once the parcel is gone.
  const a = await stored(bank);
  expect(a.lockerId).toBe("A01");
  bank.sim.setFault("A01", "jammed");
  for (let i = 0; i < 3; i++) {
    await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
    bank.clock.advance(30_000);
  }
  expect(bank.store.lockers.get("A01")!.status).toBe("OCCUPIED");
  const low = bank.events("alarm.locker_health_low");
  expect(low).toHaveLength(1);
  expect(low[0]).toMatchObject({ lockerId: "A01", parcelId: a.parcelId, data: { score: 64, threshold: 70, holdsParcel: true } });
  bank.sim.setFault("A01", null);
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "keypad" });
  bank.move("A01", "open");
  bank.move("A01", "closed");
  expect(bank.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  expect(bank.store.lockers.get("A01")).toMatchObject({ status: "OUT_OF_SERVICE", serviceReason: expect.stringContaining("health score") });
  expect(lockerHealth(bank.ctx, "A01").cycles).toBe(2);
  // The next parcel goes elsewhere.
  expect((await bank.assign("S")).lockerId).toBe("A02");
});

it("the score follows the documented formula", () => {
  expect(healthScore({ cycles: 0, jams: 0, sensorFlaps: 0, boardErrors: 0 }, 500_000)).toBe(100);
  expect(healthScore({ cycles: 500_000, jams: 0, sensorFlaps: 0, boardErrors: 0 }, 500_000)).toBe(70);
  expect(healthScore({ cycles: 1_000_000, jams: 0, sensorFlaps: 0, boardErrors: 0 }, 500_000)).toBe(70);
  expect(healthScore({ cycles: 250_000, jams: 1, sensorFlaps: 1, boardErrors: 1 }, 500_000)).toBe(63);
  expect(healthScore({ cycles: 0, jams: 20, sensorFlaps: 0, boardErrors: 0 }, 500_000)).toBe(0);
});
