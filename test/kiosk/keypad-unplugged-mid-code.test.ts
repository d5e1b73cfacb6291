import { afterEach, describe, expect, it } from "vitest";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { FakeHid, report } from "../support/fake-hid.js";
import type { Clock } from "../../src/basics/ports.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { waitFor } from "../support/wait-for.js";

let t: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

/** KP digits 1..9, 0 are usages 0x59..0x62. */
const kpUsage = (digit: string) => (digit === "0" ? 0x62 : 0x58 + Number(digit));

describe("a keypad unplugged mid-code", () => {
  it("drops the half-typed code, comes back by itself, and the next full code opens the door", async () => {
    const hid = new FakeHid();
    const dev = hid.add({ path: "1-1.2:1.0", vendorId: 0x05ac, productId: 0x0221, usagePage: 1 });
    const indicator = new SimIndicator();
    t = await createTestBank({ daemon: { config: { input: { keypad: { type: "hid", vendorId: 0x05ac, productId: 0x0221 } } }, input: { hid, scanner: null, indicator } }, clock: "system" });
    const { kiosk } = t.daemon;
    expect(dev.open).toBe(true);
    const a = await t.depositParcel();
    const base = t.pulses().length;
    const type = (s: string) => {
      for (const c of s) dev.send(report(0, c === "#" ? 0x58 : kpUsage(c)), report(0));
    };

    type(a.pickupCode.slice(0, 5));
    // The cable is pulled while the 6th key is held down.
    dev.send(report(0, kpUsage(a.pickupCode[5]!)));
    hid.unplug(dev);
    await kiosk.settled();
    expect(kiosk.state()).toEqual({ mode: "customer", typed: 0, pinEntry: false });
    expect(indicator.patterns()).toEqual(["error"]);

    hid.plug(dev);
    await waitFor("the keypad reopened", () => dev.open, 5000);
    // The rest of the old code is not a code: rejected, no door.
    type(a.pickupCode.slice(5) + "#");
    await kiosk.settled();
    expect(indicator.patterns().at(-1)).toBe("rejected");
    expect(t.pulses().length).toBe(base);
    // The whole code, typed again, opens the door.
    type(a.pickupCode + "#");
    await kiosk.settled();
    expect(indicator.patterns().at(-1)).toBe("door_opening");
    expect(t.pulses().slice(base)).toEqual([a.lockerId]);
  });
});
