/**
 * Door truth on the simulated lock bank and real SQLite: every unlock the hardware is asked for
 * ends in exactly one recorded outcome (event + the intent's row) — opened, open_not_detected,
 * board_refused, no_answer — with the board's answer and the sensors; and a sensor that reads
 * open on a locker never unlocked and never changes again is a suspected cut cable, not a storm
 * of forced/left-open alarms.
 */
import { afterEach, expect, it } from "vitest";
import { technicianOpen } from "../../src/bank/service.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import { createTestBank, type TestBank } from "../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

const outcomes = (b: TestBank) => b.events("door.unlock_outcome").map((e) => ({ lockerId: e.lockerId, ...e.data }));

it("each unlock ends in one outcome: opened, open_not_detected, board_refused, no_answer", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"], ["A03", "S"], ["A04", "S"]] });

  // opened: the sim has no board answer to give (none_expected); the door sensor moved
  await technicianOpen(bank.ctx, "A01");
  bank.clock.advance(1200);
  bank.move("A01", "open");
  bank.move("A01", "closed");

  // open_not_detected: the pulse went out, the door never moved
  bank.sim.setFault("A02", "jammed");
  await technicianOpen(bank.ctx, "A02");
  bank.clock.advance(30_000);

  // board_refused: the board said no
  bank.sim.setFault("A03", "refused");
  await expect(technicianOpen(bank.ctx, "A03")).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE", details: { outcome: "board_refused" } });

  // no_answer: the board is not answering
  bank.sim.setOnline(["A04"], false);
  await expect(technicianOpen(bank.ctx, "A04")).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE", details: { outcome: "no_answer" } });

  expect(outcomes(bank)).toEqual([
    { lockerId: "A01", purpose: "technician", outcome: "opened", board: "none_expected", doorSensor: "opened", itemBefore: null, itemAfter: null, ms: 1200 },
    { lockerId: "A02", purpose: "technician", outcome: "open_not_detected", board: "none_expected", doorSensor: "no_change", itemBefore: null, itemAfter: null, ms: 30_000 },
    { lockerId: "A03", purpose: "technician", outcome: "board_refused", board: "refused", doorSensor: "unreadable", itemBefore: null, itemAfter: null, ms: null },
    { lockerId: "A04", purpose: "technician", outcome: "no_answer", board: "no_answer", doorSensor: "unreadable", itemBefore: null, itemAfter: null, ms: null },
  ]);
  // queryable on the intents, one each
  for (const [id, outcome] of [["A01", "opened"], ["A02", "open_not_detected"], ["A03", "board_refused"], ["A04", "no_answer"]] as const) {
    expect(bank.store.health.outcomes(id).map((u) => u.outcome)).toEqual([outcome]);
  }
  // and counted towards each compartment's health
  expect(bank.store.health.get("A01")).toMatchObject({ cycles: 1, failedOpens: 0, jams: 0, boardErrors: 0 });
  expect(bank.store.health.get("A02")).toMatchObject({ cycles: 0, failedOpens: 1, jams: 1, boardErrors: 0 });
  expect(bank.store.health.get("A03")).toMatchObject({ failedOpens: 1, jams: 0, boardErrors: 1 });
  expect(bank.store.health.get("A04")).toMatchObject({ failedOpens: 1, jams: 0, boardErrors: 1 });
});

it("a sensor that reads open on a locker never unlocked and never changes again is a suspected cut cable, reported once", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], doors: { cutSuspectMs: 600_000, leftOpenMs: 120_000, leftOpenRepeatMs: 60_000 } });
  bank.move("A01", "open"); // the wire is cut: a normally-closed switch reads open from now on
  expect(bank.events("alarm.door_forced")).toHaveLength(1);
  bank.clock.advance(600_000);
  const cut = bank.events("alarm.sensor_cut_suspected");
  expect(cut).toHaveLength(1);
  expect(cut[0]).toMatchObject({ lockerId: "A01", data: { openForMs: 600_000 } });
  const leftOpenBefore = bank.events("alarm.door_left_open").length;
  bank.clock.advance(3_600_000); // an hour later: no storm of left-open alarms, no second cut report
  expect(bank.events("alarm.door_left_open")).toHaveLength(leftOpenBefore);
  expect(bank.events("alarm.sensor_cut_suspected")).toHaveLength(1);
  // the locker is not offered, and counts one sensor fault
  expect(bank.supervisor.unavailableLockers().has("A01")).toBe(true);
  expect((await bank.assign("S")).lockerId).toBe("A02");
  expect(bank.store.health.get("A01").sensorFlaps).toBe(1);
  // repaired: the sensor reads closed again, the alarm clears, the locker is usable
  bank.move("A01", "closed");
  expect(bank.events("alarm.door_closed").at(-1)?.lockerId).toBe("A01");
  expect(bank.supervisor.unavailableLockers().has("A01")).toBe(false);
});

it("a forced door that is moved again is not a cut cable", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"]], doors: { cutSuspectMs: 600_000, sensorSettleMs: 50, flapMaxChanges: 100 } });
  bank.move("A01", "open");
  bank.clock.advance(300_000);
  // someone swings it without closing it fully: raw changes that settle on open again
  bank.sim.setDoor("A01", "closed");
  bank.sim.setDoor("A01", "open");
  bank.clock.advance(400_000);
  expect(bank.events("alarm.sensor_cut_suspected")).toHaveLength(0);
  bank.clock.advance(300_000); // quiet for the whole time since its last change
  expect(bank.events("alarm.sensor_cut_suspected")).toHaveLength(1);
});

it("several doors reading open at once with no unlock (a cut harness) are suspected cut cables, not a storm of forced doors", async () => {
  bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"], ["A03", "S"], ["A04", "S"], ["A05", "S"]], doors: { forcedBurstMin: 3, forcedBurstMs: 2000 } });
  for (const id of ["A01", "A02", "A03", "A04"]) bank.sim.setDoor(id, "open");
  // the first two could be crowbars: forced; from the third on it is the wiring
  expect(bank.events("alarm.door_forced").map((e) => e.lockerId)).toEqual(["A01", "A02"]);
  expect(bank.events("alarm.sensor_cut_suspected").map((e) => e.lockerId)).toEqual(["A01", "A02", "A03", "A04"]);
  for (const id of ["A01", "A02", "A03", "A04"]) expect(bank.supervisor.unavailableLockers().has(id)).toBe(true);
  // a single forced door later is a forced door again
  bank.clock.advance(5000);
  bank.sim.setDoor("A05", "open");
  expect(bank.events("alarm.door_forced").map((e) => e.lockerId)).toEqual(["A01", "A02", "A05"]);
  expect(bank.events("alarm.sensor_cut_suspected")).toHaveLength(4);
});

it("the simulated bank's configured refused fault gives the board_refused outcome", async () => {
  const sim = new SimLockBank({ lockerIds: ["A01"], person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 }, faults: [{ kind: "refused", lockers: ["A01"], atMs: 0 }] });
  bank = await createTestBank({ lockers: [["A01", "S"]], sim });
  await expect(technicianOpen(bank.ctx, "A01")).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE", details: { outcome: "board_refused" } });
  expect(bank.events("door.unlock_outcome").map((e) => e.data.outcome)).toEqual(["board_refused"]);
});
