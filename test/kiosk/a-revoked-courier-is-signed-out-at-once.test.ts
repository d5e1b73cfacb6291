/**
 * Central revokes (or re-issues) the credential of a courier signed in at the kiosk: the session
 * ends at once with an audited event and the session_ended feedback, the kiosk is idle again,
 * and nothing new is done for that courier — but a deposit whose door is already open completes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { badgeSha256, hashPin } from "../../src/kiosk/couriers.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { CommandApplier } from "../../src/sync/commands.js";
import type { Clock } from "../../src/basics/ports.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { silentLog } from "../support/log.js";

const ALICE_BADGE = "COURIER-BADGE-alice-4f1c9e2a7b";
const BOB_BADGE = "COURIER-BADGE-bob-77aa01c3d9";

let t: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

async function bank() {
  const keypad = new SimKeypad();
  const scanner = new SimScanner();
  const indicator = new SimIndicator();
  const couriers = [{ id: "alice", name: "Alice", badgeSha256: badgeSha256(ALICE_BADGE), pinHash: await hashPin("24681357") }];
  t = await createTestBank({ daemon: { config: { couriers, kiosk: { courierIdleMs: 60_000 } }, input: { keypad, scanner, indicator } }, clock: "system" });
  const { ctx, kiosk } = t.daemon;
  let nextId = 1;
  return {
    t,
    ctx,
    kiosk,
    keypad,
    scanner,
    indicator,
    /** A central command as the sync loop hands it over. */
    command: (kind: string, args: Record<string, unknown>) => new CommandApplier(ctx, silentLog).apply({ id: nextId++, kind, args }),
    ends: () => ctx.store.events.query({ type: "courier.session_ended" }).map((e) => e.data),
  };
}

describe("a courier whose credential is revoked mid-session", () => {
  it("is signed out at once: audited, session_ended shown, the kiosk idle, the badge refused", async () => {
    const b = await bank();
    b.scanner.scan(ALICE_BADGE);
    await b.kiosk.settled();
    expect(b.kiosk.state()).toMatchObject({ mode: "courier", courierId: "alice" });

    expect(await b.command("revoke_courier_credential", { name: "alice" })).toBe("done");
    // No waiting on the kiosk's queue: the command's own commit ended the session.
    expect(b.kiosk.state()).toEqual({ mode: "customer", typed: 0, pinEntry: false });
    expect(b.ends()).toEqual([{ courierId: "alice", reason: "revoked", commandId: 1 }]);
    expect(b.indicator.patterns().at(-1)).toBe("session_ended");
    const types = b.ctx.store.events.query({}).map((e) => e.type);
    expect(types.indexOf("courier.session_ended")).toBeGreaterThan(types.indexOf("courier.credential_revoked"));

    // A parcel scanned now is not a courier's deposit: nothing is assigned, no door opens.
    const pulses = b.t.sim.pulses.length;
    b.scanner.scan("REF-AFTER");
    b.scanner.scan(ALICE_BADGE);
    await b.kiosk.settled();
    expect(b.ctx.store.parcels.find({ trackingRef: "REF-AFTER" })).toEqual([]);
    expect(b.t.sim.pulses.length).toBe(pulses);
    expect(b.indicator.patterns().slice(-2)).toEqual(["rejected", "rejected"]);
    expect(b.kiosk.state().mode).toBe("customer");
  });

  it("a deposit whose door is already open completes; the next parcel is refused", async () => {
    const b = await bank();
    b.keypad.press("#24681357#");
    await b.kiosk.settled();
    expect(b.kiosk.state()).toMatchObject({ mode: "courier", courierId: "alice" });
    b.scanner.scan("REF-1");
    await b.kiosk.settled();
    const p = b.ctx.store.parcels.find({ trackingRef: "REF-1" })[0]!;
    expect(p.status).toBe("ASSIGNED");
    b.t.sim.setDoor(p.lockerId, "open");
    await b.kiosk.settled();

    expect(await b.command("revoke_courier_credential", { name: "Alice" })).toBe("done");
    expect(b.kiosk.state().mode).toBe("customer");
    // "Doesn't fit" is a courier's key: now it only clears an (empty) entry, the assignment stands.
    b.keypad.press("*");
    await b.kiosk.settled();
    expect(b.ctx.store.parcels.get(p.id)?.status).toBe("ASSIGNED");

    b.t.sim.setDoor(p.lockerId, "closed");
    await b.kiosk.settled();
    expect(b.ctx.store.parcels.get(p.id)?.status).toBe("STORED");
    expect(b.ctx.store.lockers.get(p.lockerId)?.status).toBe("OCCUPIED");

    const pulses = b.t.sim.pulses.length;
    b.scanner.scan("REF-2");
    await b.kiosk.settled();
    expect(b.ctx.store.parcels.find({ trackingRef: "REF-2" })).toEqual([]);
    expect(b.t.sim.pulses.length).toBe(pulses);
    expect(b.ends()).toEqual([{ courierId: "alice", reason: "revoked", commandId: 1 }]);
  });

  it("a scan queued behind the revocation is not done for the courier", async () => {
    const b = await bank();
    b.scanner.scan(ALICE_BADGE);
    await b.kiosk.settled();
    b.scanner.scan("REF-QUEUED");
    // The revocation commits before the queued scan runs (it runs on a later microtask).
    const done = b.command("revoke_courier_credential", { name: "alice" });
    await b.kiosk.settled();
    expect(await done).toBe("done");
    expect(b.ctx.store.parcels.find({ trackingRef: "REF-QUEUED" })).toEqual([]);
    expect(b.kiosk.state().mode).toBe("customer");
  });

  it("a re-issued badge ends the session signed in with the old one (reason replaced); the new badge signs in", async () => {
    const b = await bank();
    expect(await b.command("add_courier_credential", { name: "bob", sha256: badgeSha256(BOB_BADGE) })).toBe("done");
    b.scanner.scan(BOB_BADGE);
    await b.kiosk.settled();
    expect(b.kiosk.state()).toMatchObject({ mode: "courier", courierId: "bob" });
    const NEW = "COURIER-BADGE-bob-reissued-e0b1";
    expect(await b.command("add_courier_credential", { name: "bob", sha256: badgeSha256(NEW) })).toBe("done");
    expect(b.kiosk.state().mode).toBe("customer");
    expect(b.ends()).toEqual([{ courierId: "bob", reason: "replaced", commandId: 2 }]);
    expect(b.indicator.patterns().at(-1)).toBe("session_ended");
    b.scanner.scan(NEW);
    await b.kiosk.settled();
    expect(b.kiosk.state()).toMatchObject({ mode: "courier", courierId: "bob" });
  });

  it("another courier's revocation, a new credential, or a failed revocation leave the session alone", async () => {
    const b = await bank();
    expect(await b.command("add_courier_credential", { name: "bob", sha256: badgeSha256(BOB_BADGE) })).toBe("done");
    b.scanner.scan(ALICE_BADGE);
    await b.kiosk.settled();
    expect(await b.command("revoke_courier_credential", { name: "bob" })).toBe("done");
    expect(await b.command("add_courier_credential", { name: "carol", pinHash: await hashPin("13572468") })).toBe("done");
    expect(await b.command("revoke_courier_credential", { name: "nobody" })).toBe("failed");
    expect(b.kiosk.state()).toMatchObject({ mode: "courier", courierId: "alice" });
    expect(b.ends()).toEqual([]);
    // and she keeps working
    b.scanner.scan("REF-STILL");
    await b.kiosk.settled();
    expect(b.ctx.store.parcels.find({ trackingRef: "REF-STILL" })[0]?.status).toBe("ASSIGNED");
  });
});
