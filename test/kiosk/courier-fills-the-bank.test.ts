import { afterEach, describe, expect, it } from "vitest";
import { expireDue } from "../../src/bank/expiry.js";
import { badgeSha256, hashPin } from "../../src/kiosk/couriers.js";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import type { Clock } from "../../src/basics/ports.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { waitFor } from "../support/wait-for.js";

const BADGE = "COURIER-BADGE-4f1c9e2a7b";
let t: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

async function bank(extra: Record<string, unknown> = {}) {
  const keypad = new SimKeypad();
  const scanner = new SimScanner();
  const indicator = new SimIndicator();
  const couriers = [{ id: "alice", name: "Alice", badgeSha256: badgeSha256(BADGE), pinHash: await hashPin("24681357") }];
  t = await createTestBank({ daemon: { config: { couriers, kiosk: { doesntFitWindowMs: 5000, courierIdleMs: 2000 }, ...extra }, input: { keypad, scanner, indicator } }, clock: "system" });
  return { t, keypad, scanner, indicator };
}

describe("a courier at the bank", () => {
  it("signs in with a badge and fills the bank, one parcel doesn't fit and goes one size up", async () => {
    const { t, keypad, scanner, indicator } = await bank();
    const { ctx, kiosk } = t.daemon;
    scanner.scan(BADGE);
    await kiosk.settled();
    expect(kiosk.state()).toEqual({ mode: "courier", courierId: "alice", size: "S" });
    expect(indicator.patterns()).toEqual(["courier_mode"]);

    const deposit = async (ref: string) => {
      scanner.scan(ref);
      await kiosk.settled();
      const p = ctx.store.parcels.find({ trackingRef: ref }).find((x) => x.status === "ASSIGNED");
      if (!p) throw new Error(`no assignment for ${ref}`);
      return p;
    };
    const close = async (lockerId: string) => {
      t.sim.setDoor(lockerId, "open");
      await kiosk.settled();
      t.sim.setDoor(lockerId, "closed");
      await kiosk.settled();
    };

    // Parcel 1 fits; parcel 2 does not: the door opens, "*", the next larger size opens.
    const p1 = await deposit("REF-001");
    await close(p1.lockerId);
    const p2 = await deposit("REF-002");
    expect(ctx.store.lockers.get(p2.lockerId)?.size).toBe("S");
    t.sim.setDoor(p2.lockerId, "open");
    await kiosk.settled();
    keypad.press("*");
    await kiosk.settled();
    const moved = ctx.store.parcels.find({ trackingRef: "REF-002" }).find((x) => x.status === "ASSIGNED")!;
    expect(ctx.store.lockers.get(moved.lockerId)?.size).toBe("M");
    expect(ctx.store.parcels.get(p2.id)?.status).toBe("CANCELLED");
    t.sim.setDoor(p2.lockerId, "closed"); // the courier takes it back out and shuts the small door
    await kiosk.settled();
    expect(ctx.store.lockers.get(p2.lockerId)?.status).toBe("AVAILABLE");
    await close(moved.lockerId);
    expect(ctx.store.parcels.get(moved.id)?.status).toBe("STORED");

    // Fill the rest: S (7 left), then M with key 2, then L with key 3.
    let n = 3;
    for (const [key, count] of [["1", 7], ["2", 7], ["3", 8]] as const) {
      keypad.press(key);
      for (let i = 0; i < count; i++) {
        const p = await deposit(`REF-${String(n++).padStart(3, "0")}`);
        await close(p.lockerId);
      }
    }
    const lockers = ctx.store.lockers.list();
    expect(lockers.filter((l) => l.status === "OCCUPIED")).toHaveLength(24);
    // Full: the next parcel is refused, nothing opens.
    const pulses = t.sim.pulses.length;
    scanner.scan("REF-999");
    await kiosk.settled();
    expect(indicator.patterns().at(-1)).toBe("rejected");
    expect(t.sim.pulses.length).toBe(pulses);
    // Scanning a parcel already in the bank is refused too.
    keypad.press("1");
    scanner.scan("REF-001");
    await kiosk.settled();
    expect(indicator.patterns().at(-1)).toBe("rejected");
    keypad.press("#");
    await kiosk.settled();
    expect(kiosk.state().mode).toBe("customer");
    const ends = ctx.store.events.query({ type: "courier.session_ended" });
    expect(ends.map((e) => e.data.reason)).toEqual(["key"]);
  });

  it("doesn't fit is refused once the window after the door opened has passed", async () => {
    const { t, keypad, scanner, indicator } = await bank({ kiosk: { doesntFitWindowMs: 50, courierIdleMs: 5000 } });
    const { kiosk, ctx } = t.daemon;
    scanner.scan(BADGE);
    scanner.scan("LATE-1");
    await kiosk.settled();
    const p = ctx.store.parcels.find({ trackingRef: "LATE-1" })[0]!;
    t.sim.setDoor(p.lockerId, "open");
    await kiosk.settled();
    await new Promise((r) => setTimeout(r, 120));
    keypad.press("*");
    await kiosk.settled();
    expect(indicator.patterns().at(-1)).toBe("rejected");
    expect(ctx.store.parcels.get(p.id)?.status).toBe("ASSIGNED");
  });

  it("signs in with a PIN, collects every expired parcel in turn, and the session ends after inactivity", async () => {
    const { t, keypad, indicator } = await bank();
    const { kiosk, ctx } = t.daemon;
    const a = await t.depositParcel("S", "OLD-1");
    const b = await t.depositParcel("M", "OLD-2");
    // Their deadline passes.
    for (const id of [a.parcelId, b.parcelId]) ctx.store.write(() => ctx.store.parcels.update(id, { at: Date.now(), expiresAt: Date.now() - 1 }));
    expect(expireDue(ctx).sort()).toEqual([a.parcelId, b.parcelId].sort());

    keypad.press("#11112222#"); // a wrong PIN
    await kiosk.settled();
    expect(indicator.patterns()).toEqual(["rejected"]);
    keypad.press("#24681357#");
    await kiosk.settled();
    expect(kiosk.state()).toMatchObject({ mode: "courier", courierId: "alice" });

    const before = t.sim.pulses.length;
    keypad.press("0");
    await kiosk.settled();
    const first = t.sim.pulses.slice(before).map((p) => p.lockerId);
    expect(first).toHaveLength(1);
    t.sim.setDoor(first[0]!, "open");
    t.sim.setDoor(first[0]!, "closed");
    await kiosk.settled();
    const both = t.sim.pulses.slice(before).map((p) => p.lockerId);
    expect(both.sort()).toEqual([a.lockerId, b.lockerId].sort());
    const second = both.find((id) => id !== first[0])!;
    t.sim.setDoor(second, "open");
    t.sim.setDoor(second, "closed");
    await kiosk.settled();
    expect(ctx.store.lockers.get(a.lockerId)?.status).toBe("AVAILABLE");
    expect(ctx.store.lockers.get(b.lockerId)?.status).toBe("AVAILABLE");
    expect(indicator.patterns().at(-1)).toBe("accepted");

    await waitFor("the kiosk back in customer mode", () => kiosk.state().mode === "customer", 5000);
    expect(ctx.store.events.query({ type: "courier.session_ended" }).map((e) => e.data.reason)).toEqual(["inactivity"]);
  });
});
