/**
 * The courier's scan at the kiosk uses the pre-advice's reachable ask: the daemon's bank
 * (demo layout: the 100 and 70 cm rows are within reach) pulls the hint with a real sync from
 * the real central PostgreSQL, the center then goes out of reach, and the courier scanning the
 * parcel gets a door within reach while higher ones are free; a parcel not advised so gets the
 * first free door as always. One that does not fit keeps the ask one size up.
 */
import { afterEach, expect, it } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { badgeSha256, hashPin } from "../../src/kiosk/couriers.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { silentLog } from "../support/log.js";
import { syncSettings, useTestCentral } from "../support/sync-parts.js";

const BADGE = "COURIER-BADGE-reach-5e2d";
const central = useTestCentral();
let t: DaemonTestBank<Clock> | null = null;
const loops: SyncLoop[] = [];
afterEach(async () => {
  for (const l of loops.splice(0)) await l.stop();
  await t?.dispose();
  t = null;
});

it("the courier scans a parcel whose pre-advice asked for a reachable door, with the center unreachable, and that door opens", { timeout: 60_000 }, async () => {
  const login = await central.addBank();
  await central.db.admin(`SELECT central.put_advice_hint($1, 'TR-WHEEL', true, now() + interval '1 day')`, [login.bankId]);
  const scanner = new SimScanner();
  const couriers = [{ id: "alice", name: "Alice", badgeSha256: badgeSha256(BADGE), pinHash: await hashPin("24681357") }];
  t = await createTestBank({ daemon: { config: { couriers }, input: { keypad: new SimKeypad(), scanner, indicator: new SimIndicator() } }, clock: "system" });
  const { ctx, kiosk } = t.daemon;
  const sync = new SyncLoop({ ctx, link: central.link(login), log: silentLog }, syncSettings(login.bankId));
  loops.push(sync);
  expect(await sync.runOnce()).toMatchObject({ hints: 1 });
  await sync.stop();
  const offline = new SyncLoop({ ctx, link: new PgCentralLink({ connection: { host: "127.0.0.1", port: 1, user: "nobody", connectionTimeoutMillis: 2000 }, bankKey: login.key }), log: silentLog }, syncSettings(login.bankId));
  loops.push(offline);
  await expect(offline.runOnce()).rejects.toThrow();

  scanner.scan(BADGE);
  await kiosk.settled();
  expect(kiosk.state()).toMatchObject({ mode: "courier", size: "S" });
  const deposit = async (ref: string) => {
    scanner.scan(ref);
    await kiosk.settled();
    const p = ctx.store.parcels.find({ trackingRef: ref }).find((x) => x.status === "ASSIGNED");
    if (!p) throw new Error(`no assignment for ${ref}`);
    t!.sim.setDoor(p.lockerId, "open");
    await kiosk.settled();
    t!.sim.setDoor(p.lockerId, "closed");
    await kiosk.settled();
    return p;
  };
  // A01-A03 (175-125 cm) are free and first in layout order; A04 (100 cm) is within reach
  expect((await deposit("TR-WHEEL")).lockerId).toBe("A04");
  const assigned = ctx.store.events.query({ type: "parcel.assigned" }).map((e) => e.data as Record<string, unknown>);
  expect(assigned).toEqual([expect.objectContaining({ trackingRef: "TR-WHEEL", reachable: "advice" })]);
  expect((await deposit("TR-PLAIN")).lockerId).toBe("A01");
  expect(ctx.store.adviceHints.list()).toEqual([]);
});

it("a parcel advised as reachable that does not fit goes one size up to a door within reach too", { timeout: 60_000 }, async () => {
  const login = await central.addBank();
  await central.db.admin(`SELECT central.put_advice_hint($1, 'TR-BIG', true, now() + interval '1 day')`, [login.bankId]);
  const keypad = new SimKeypad();
  const scanner = new SimScanner();
  const couriers = [{ id: "alice", name: "Alice", badgeSha256: badgeSha256(BADGE), pinHash: await hashPin("24681357") }];
  t = await createTestBank({ daemon: { config: { couriers, kiosk: { doesntFitWindowMs: 30_000 } }, input: { keypad, scanner, indicator: new SimIndicator() } }, clock: "system" });
  const { ctx, kiosk } = t.daemon;
  const sync = new SyncLoop({ ctx, link: central.link(login), log: silentLog }, syncSettings(login.bankId));
  loops.push(sync);
  expect(await sync.runOnce()).toMatchObject({ hints: 1 });
  const live = (ref: string) => ctx.store.parcels.find({ trackingRef: ref }).find((x) => x.status === "ASSIGNED")!;
  const door = async (lockerId: string, pos: "open" | "closed") => {
    t!.sim.setDoor(lockerId, pos);
    await kiosk.settled();
  };

  scanner.scan(BADGE);
  await kiosk.settled();
  // a medium parcel first takes A05, the first medium door (70 cm, within reach)
  keypad.press("2");
  scanner.scan("TR-M1");
  await kiosk.settled();
  expect(live("TR-M1").lockerId).toBe("A05");
  await door("A05", "open");
  await door("A05", "closed");
  keypad.press("1");
  scanner.scan("TR-BIG");
  await kiosk.settled();
  expect(live("TR-BIG").lockerId).toBe("A04");
  await door("A04", "open");
  keypad.press("*");
  await kiosk.settled();
  // A06 (30 cm) is the next medium door in layout order; B05 (70 cm) is within reach
  expect(ctx.store.lockers.get("A06")).toMatchObject({ status: "AVAILABLE" });
  expect(live("TR-BIG").lockerId).toBe("B05");
  const assigned = ctx.store.events.query({ type: "parcel.assigned" }).map((e) => e.data as Record<string, unknown>);
  expect(assigned.filter((d) => d.trackingRef === "TR-BIG").map((d) => d.reachable)).toEqual(["advice", "advice"]);
});
