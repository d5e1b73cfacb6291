import { afterEach, describe, expect, it, vi } from "vitest";
import { SimKeypad } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import type { Clock } from "../../src/basics/ports.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { waitFor } from "../support/wait-for.js";

let t: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

async function bank() {
  const keypad = new SimKeypad();
  const indicator = new SimIndicator();
  t = await createTestBank({ daemon: { config: { kiosk: { customerIdleMs: 300 } }, input: { keypad, scanner: null, indicator } }, clock: "system" });
  return { t, keypad, indicator };
}

describe("a customer at the keypad", () => {
  it("types a code with a typo, clears it with *, types it again and the door opens", async () => {
    const { t, keypad, indicator } = await bank();
    const a = await t.depositParcel();
    const wrong = a.pickupCode.slice(0, 3) + ((Number(a.pickupCode[3]) + 1) % 10) + a.pickupCode.slice(4);
    keypad.press(wrong.slice(0, 5)); // typo at the 4th digit, noticed after the 5th
    keypad.press("*");
    keypad.press(a.pickupCode + "#");
    await t.daemon.kiosk.settled();
    expect(t.pulses()).toEqual([a.lockerId, a.lockerId]); // the deposit, then the pickup
    expect(indicator.patterns()).toEqual(["door_opening"]);
    t.sim.setDoor(a.lockerId, "open");
    expect(t.daemon.ctx.store.parcels.get(a.parcelId)?.status).toBe("PICKED_UP");
    // A typo is not a failed attempt: the keypad has all its tries left.
    expect(t.daemon.store.attempts.get("keypad:main").failures).toEqual([]);
  });

  it("each digit of a code tells the doors an unlock is coming (the board bus is kept free for it); a courier's PIN does not", async () => {
    const { t, keypad } = await bank();
    const expect1 = vi.spyOn(t.daemon.ctx.doors, "expectUnlock");
    keypad.press("123");
    await t.daemon.kiosk.settled();
    expect(expect1).toHaveBeenCalledTimes(3);
    keypad.press("*#4567");
    await t.daemon.kiosk.settled();
    expect(expect1).toHaveBeenCalledTimes(3);
  });

  it("a wrong code is rejected and counted; Backspace clears too; Enter-style # submits", async () => {
    const { t, keypad, indicator } = await bank();
    const a = await t.depositParcel();
    const before = t.pulses().length;
    keypad.press("12345678#");
    keypad.press(["1", "2", "backspace"]);
    keypad.press(a.pickupCode + "#");
    await t.daemon.kiosk.settled();
    expect(indicator.patterns()).toEqual(["rejected", "door_opening"]);
    expect(t.pulses().slice(before)).toEqual([a.lockerId]);
    expect(t.daemon.store.attempts.get("keypad:main").failures).toHaveLength(1);
  });

  it("a half-typed code is forgotten after the idle timeout", async () => {
    const { t, keypad, indicator } = await bank();
    const a = await t.depositParcel();
    const before = t.pulses().length;
    keypad.press(a.pickupCode.slice(0, 4));
    await t.daemon.kiosk.settled();
    expect(t.daemon.kiosk.state()).toEqual({ mode: "customer", typed: 4, pinEntry: false });
    await waitFor("the typed code cleared", () => (t.daemon.kiosk.state() as { typed: number }).typed === 0, 5000);
    // The rest alone is not a code.
    keypad.press(a.pickupCode.slice(4) + "#");
    await t.daemon.kiosk.settled();
    expect(indicator.patterns()).toEqual(["rejected"]);
    expect(t.pulses().length).toBe(before);
  });
});
