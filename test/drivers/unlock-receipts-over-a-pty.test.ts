/**
 * What a board answers to an unlock reaches the door supervisor's outcome (door truth), with the
 * real drivers and the board simulator over socat pty pairs: a 0x8A/0x80 board acknowledges the
 * unlock (opened, or open_not_detected when the lock is jammed), a Modbus relay board's refusal is
 * board_refused, a CU16 board that stops answering is no_answer.
 */
import { afterEach, expect, it } from "vitest";
import { DoorSupervisor, type DoorOutcomes } from "../../src/doors/supervisor.js";
import type { UnlockEvidence } from "../../src/doors/unlock-evidence.js";
import { createSystemClock } from "../../src/system/clock.js";
import { startHarness, type Harness, type HarnessOptions } from "../support/board-harness.js";
import { waitFor } from "../support/wait-for.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

interface Heard {
  opened: [string, number, UnlockEvidence | undefined][];
  didNotOpen: [string, number, string, UnlockEvidence | undefined][];
}

async function supervised(opts: Omit<HarnessOptions, "start">): Promise<{ h: Harness; sup: DoorSupervisor; heard: Heard }> {
  const h = await startHarness({ ...opts, start: false });
  const sup = new DoorSupervisor(h.bank, createSystemClock("/nonexistent"), { pulseMs: 200, openTimeoutMs: 800, leftOpenMs: 60_000, leftOpenRepeatMs: 60_000 }, (e) => {
    throw e;
  });
  const heard: Heard = { opened: [], didNotOpen: [] };
  const outcomes = {
    opened: (id: string, intent: number, ev?: UnlockEvidence) => heard.opened.push([id, intent, ev]),
    didNotOpen: (id: string, intent: number, reason: string, ev?: UnlockEvidence) => heard.didNotOpen.push([id, intent, reason, ev]),
    closed: () => undefined,
    forced: () => undefined,
    leftOpen: () => undefined,
    closedAfterAlarm: () => undefined,
    health: () => undefined,
    sensorUnstable: () => undefined,
    sensorSettled: () => undefined,
  } satisfies DoorOutcomes;
  await sup.start(outcomes);
  stops.push(async () => {
    await sup.stop();
    await h.stop();
  });
  return { h, sup, heard };
}

it("a 0x8A/0x80 board acknowledges the unlock: opened, and open_not_detected when the lock is jammed", async () => {
  const { h, sup, heard } = await supervised({ protocol: "8a80", wiring: [["A01", 1, 1], ["A02", 1, 2]], hardware: { "8a80": { openStatus: "0x11" } } });
  await sup.unlock("A01", 1);
  await waitFor("A01 opened", () => heard.opened.length === 1);
  expect(heard.opened[0]).toEqual(["A01", 1, { board: "acknowledged", itemBefore: null, pulsedAt: expect.any(Number) }]);

  h.bus.board(1).jammed.add(2);
  await sup.unlock("A02", 2);
  await waitFor("A02 timed out", () => heard.didNotOpen.length === 1);
  expect(heard.didNotOpen[0]).toEqual(["A02", 2, "stayed_closed", { board: "acknowledged", itemBefore: null, pulsedAt: expect.any(Number) }]);
});

it("a Modbus relay board's refusal is board_refused", async () => {
  const { h, sup } = await supervised({ protocol: "modbus-relay", wiring: [["A01", 1, 1]], hardware: { "modbus-relay": { channels: 8, openInput: 1 } }, sim: { channels: 8, openInput: 1 } });
  h.bus.board(1).behaviour.refuse = true;
  await expect(sup.unlock("A01", 1)).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE", details: { outcome: "board_refused" } });
});

it("a CU16 board that stops answering is no_answer", async () => {
  const { h, sup } = await supervised({ protocol: "cu16", wiring: [["A01", 0, 1]], hardware: { cu16: { lockedBit: 1 } } });
  h.bus.board(0).behaviour.silent = true;
  await expect(sup.unlock("A01", 1)).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE", details: { outcome: "no_answer" } });
});
