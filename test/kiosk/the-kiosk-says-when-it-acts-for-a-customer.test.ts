/** The kiosk tells the API when it acts for the person at the bank (api/turns.ts holds requests meanwhile). */
import { afterEach, expect, it, vi } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { SimKeypad } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { waitFor } from "../support/wait-for.js";

let t: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

it("acting from the customer's Enter until their door answered; idle before and after", async () => {
  const keypad = new SimKeypad();
  t = await createTestBank({ daemon: { input: { keypad, scanner: null, indicator: new SimIndicator() } }, clock: "system" });
  const bank = t;
  const kiosk = bank.daemon.kiosk;
  const a = await bank.depositParcel();
  await kiosk.settled();
  expect(kiosk.idle()).toBeNull();
  let answer: (() => void) | null = null;
  const unlock = bank.sim.unlock.bind(bank.sim);
  vi.spyOn(bank.sim, "unlock").mockImplementation(async (id, ms) => {
    await unlock(id, ms);
    await new Promise<void>((r) => (answer = r));
  });
  keypad.press(a.pickupCode + "#");
  await waitFor("the unlock to be waiting for the board", () => answer !== null);
  // the queue is done with the code, the door has not answered: still acting
  const busy = kiosk.idle();
  expect(busy).not.toBeNull();
  let idleAt = 0;
  void busy!.then(() => (idleAt = Date.now()));
  await new Promise((r) => setTimeout(r, 50));
  expect(idleAt).toBe(0);
  answer!();
  await busy;
  expect(idleAt).toBeGreaterThan(0);
  expect(kiosk.idle()).toBeNull();
});

it("busy from a whole code typed, before Enter (a pickup is imminent), until the entry is cleared", async () => {
  const keypad = new SimKeypad();
  t = await createTestBank({ daemon: { input: { keypad, scanner: null, indicator: new SimIndicator() } }, clock: "system" });
  const kiosk = t.daemon.kiosk;
  const a = await t.depositParcel();
  await kiosk.settled();
  keypad.press(a.pickupCode.slice(0, -1));
  await kiosk.settled();
  // part of a code: nothing imminent yet
  expect(kiosk.idle()).toBeNull();
  keypad.press(a.pickupCode.slice(-1));
  await kiosk.settled();
  const busy = kiosk.idle();
  expect(busy).not.toBeNull();
  let idle = false;
  void busy!.then(() => (idle = true));
  await new Promise((r) => setTimeout(r, 50));
  expect(idle).toBe(false);
  keypad.press("*"); // the customer clears the entry: no pickup is coming
  await waitFor("idle once the entry is cleared", () => idle);
  expect(kiosk.idle()).toBeNull();
});
