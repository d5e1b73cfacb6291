/**
 * The kiosk tells the doors when a customer's unlock is imminent, so a board bus starts nothing
 * else meanwhile: a whole code typed (Enter is next), the Enter itself (until the unlock), a scan's
 * first bytes; and lets go when the unlock will not come (a digit too many, *, a refused code, a
 * scan that is not a pickup). A courier's PIN or scans hold nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { badgeSha256 } from "../../src/kiosk/couriers.js";
import { PICKUP_HOLD_MS } from "../../src/kiosk/pickup-hold.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { waitFor } from "../support/wait-for.js";

const BADGE = "COURIER-BADGE-alice-4f1c9e2a7b";

let t: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

async function bank(customerIdleMs = 30_000) {
  const keypad = new SimKeypad();
  const scanner = new SimScanner();
  const indicator = new SimIndicator();
  const couriers = [{ id: "alice", name: "Alice", badgeSha256: badgeSha256(BADGE) }];
  t = await createTestBank({ daemon: { config: { couriers, kiosk: { customerIdleMs } }, input: { keypad, scanner, indicator } }, clock: "system" });
  const doors = t.daemon.ctx.doors;
  const calls: string[] = [];
  const imminent = doors.pickupImminent!.bind(doors);
  const notComing = doors.pickupNotComing!.bind(doors);
  doors.pickupImminent = (ms) => {
    calls.push(`hold ${ms}`);
    imminent(ms);
  };
  doors.pickupNotComing = () => {
    calls.push("release");
    notComing();
  };
  const take = () => calls.splice(0);
  return { t, keypad, scanner, indicator, take, kiosk: t.daemon.kiosk };
}

describe("the board bus held for a customer's imminent unlock", () => {
  it("holds it when the code is whole and again at Enter, until the door opens", async () => {
    const { t, keypad, indicator, take, kiosk } = await bank();
    const a = await t.depositParcel();
    keypad.press(a.pickupCode.slice(0, -1));
    await kiosk.settled();
    expect(take().filter((c) => c.startsWith("hold")), "nothing held before the code is whole").toEqual([]);
    keypad.press(a.pickupCode.slice(-1));
    await kiosk.settled();
    expect(take()).toEqual([`hold ${PICKUP_HOLD_MS.code}`]);
    keypad.press("#");
    await kiosk.settled();
    expect(take(), "Enter holds it until the unlock, which ends it").toEqual([`hold ${PICKUP_HOLD_MS.submit}`]);
    expect(indicator.patterns()).toEqual(["door_opening"]);
    expect(t.pulses().at(-1)).toBe(a.lockerId);
  });

  it("lets go when the unlock will not come: a digit too many, *, a refused code", async () => {
    const { t, keypad, indicator, take, kiosk } = await bank();
    const a = await t.depositParcel();
    keypad.press(a.pickupCode);
    await kiosk.settled();
    take();
    keypad.press("1");
    await kiosk.settled();
    expect(take(), "a digit more is no code").toEqual(["release"]);
    keypad.press("*");
    keypad.press(a.pickupCode + "*");
    await kiosk.settled();
    expect(take().slice(-2)).toEqual([`hold ${PICKUP_HOLD_MS.code}`, "release"]);
    const wrong = a.pickupCode.slice(0, -1) + ((Number(a.pickupCode.at(-1)) + 1) % 10);
    keypad.press(wrong + "#");
    await kiosk.settled();
    expect(take().slice(-3)).toEqual([`hold ${PICKUP_HOLD_MS.code}`, `hold ${PICKUP_HOLD_MS.submit}`, "release"]);
    expect(indicator.patterns()).toEqual(["rejected"]);
  });

  it("lets go when a whole code is left without its Enter (the entry forgotten after inactivity)", async () => {
    const { t, keypad, take, kiosk } = await bank(300);
    const a = await t.depositParcel();
    keypad.press(a.pickupCode);
    await kiosk.settled();
    expect(take()).toEqual([`hold ${PICKUP_HOLD_MS.code}`]);
    await waitFor("the entry forgotten", () => (kiosk.state() as { typed: number }).typed === 0, 5000);
    expect(take()).toEqual(["release"]);
  });

  it("holds it from a scan's first bytes; a pickup token holds it to the unlock, a badge lets go, a courier's scans hold nothing", async () => {
    const { t, scanner, keypad, take, kiosk } = await bank();
    const a = await t.depositParcel();
    scanner.scan(a.pickupToken);
    await kiosk.settled();
    expect(take()).toEqual([`hold ${PICKUP_HOLD_MS.scan}`, `hold ${PICKUP_HOLD_MS.submit}`]);
    expect(t.pulses().at(-1)).toBe(a.lockerId);

    scanner.scan(BADGE);
    await kiosk.settled();
    expect(take()).toEqual([`hold ${PICKUP_HOLD_MS.scan}`, "release"]);
    expect(kiosk.state().mode).toBe("courier");
    scanner.scan("PARCEL-REF-1");
    keypad.press("2");
    await kiosk.settled();
    expect(take(), "a courier at the kiosk").toEqual([]);
  });

  it("a courier's PIN holds nothing, however long", async () => {
    const { keypad, take, kiosk } = await bank();
    keypad.press("#12345678901");
    await kiosk.settled();
    expect(take().filter((c) => c.startsWith("hold"))).toEqual([]);
  });
});
