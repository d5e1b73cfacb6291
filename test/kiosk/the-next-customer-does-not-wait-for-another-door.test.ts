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

describe("the next customer at the keypad", () => {
  it("gets their door while the previous customer's board has not answered yet", async () => {
    const keypad = new SimKeypad();
    const indicator = new SimIndicator();
    t = await createTestBank({ daemon: { input: { keypad, scanner: null, indicator } }, clock: "system" });
    const bank = t;
    const a = await bank.depositParcel();
    const b = await bank.depositParcel();
    // a's board takes the command but its answer is slow (a board retried, a bus taken up)
    let answerA: (() => void) | null = null;
    const unlock = bank.sim.unlock.bind(bank.sim);
    vi.spyOn(bank.sim, "unlock").mockImplementation(async (id, ms) => {
      await unlock(id, ms);
      if (id === a.lockerId) await new Promise<void>((r) => (answerA = r));
    });
    const before = bank.pulses().length;
    keypad.press(a.pickupCode + "#");
    keypad.press(b.pickupCode + "#");
    await waitFor("b's door to be unlocked", () => bank.pulses().slice(before).includes(b.lockerId), 3000);
    expect(bank.pulses().slice(before)).toEqual([a.lockerId, b.lockerId]);
    expect(indicator.patterns()).toEqual(["door_opening"]); // b's; a's door has not answered
    await waitFor("a's unlock to be waiting", () => answerA !== null);
    answerA!();
    await bank.daemon.kiosk.settled();
    expect(indicator.patterns()).toEqual(["door_opening", "door_opening"]);
    for (const p of [a, b]) expect(bank.daemon.store.intents.active(p.lockerId)?.purpose).toBe("pickup");
  });
});
