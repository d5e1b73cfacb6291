/**
 * The daemon's expiry sweep writes the one database the kiosk writes: once the kiosk runs, each
 * sweep waits while it acts for a customer, GIVE_WAY_MAX_MS at most, and a sweep that was
 * waiting when the daemon stops does not run.
 */
import { afterEach, expect, it } from "vitest";
import { extendDeadline } from "../../src/bank/expiry.js";
import { GIVE_WAY_MAX_MS } from "../../src/basics/foreground.js";
import type { Clock } from "../../src/basics/ports.js";
import { startExpirySweeps, type ExpirySweeps } from "../../src/compose/expiry-sweeps.js";
import { SimKeypad } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { createTestBank, type DaemonTestBank, type TestBank } from "../support/bank.js";
import { customerAtTheBank } from "../support/customer.js";
import { silentLog } from "../support/log.js";
import { waitFor } from "../support/wait-for.js";

const EVERY_MS = 10;
const PICKUP_WINDOW_MS = 72 * 3_600_000;

let bank: TestBank | DaemonTestBank<Clock> | null = null;
let sweeps: ExpirySweeps | null = null;
afterEach(async () => {
  sweeps?.stop();
  sweeps = null;
  await bank?.dispose();
  bank = null;
});

/** A bank with one stored parcel, and the sweeps started (the first has run: nothing was due). */
async function storedParcelAndSweeps(): Promise<{ b: TestBank; s: ExpirySweeps; status: () => string; expiredAt: () => number | null }> {
  const b = (bank = await createTestBank({ lockers: [["A01", "S"]] }));
  const a = await b.assign("S");
  b.deposit(a);
  let expiredAt: number | null = null;
  b.store.events.subscribe((e) => {
    if (e.type === "parcel.expired") expiredAt ??= performance.now();
  });
  const s = (sweeps = startExpirySweeps(b.ctx, EVERY_MS, silentLog));
  return { b, s, status: () => b.store.parcels.get(a.parcelId)!.status, expiredAt: () => expiredAt };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("expires a parcel only once the kiosk is done with the customer", async () => {
  const { b, s, status } = await storedParcelAndSweeps();
  const customer = customerAtTheBank();
  s.giveWayTo(customer);
  b.clock.advance(PICKUP_WINDOW_MS); // due now
  await sleep(GIVE_WAY_MAX_MS / 2);
  expect(customer.asked).toBeGreaterThan(0);
  expect(status()).toBe("STORED");
  customer.done();
  await waitFor("the parcel to expire", () => status() === "EXPIRED");
});

it("waits for a customer GIVE_WAY_MAX_MS at most: a kiosk that never goes idle cannot stop expiry", async () => {
  const { b, s, status, expiredAt } = await storedParcelAndSweeps();
  const customer = customerAtTheBank(); // never done
  s.giveWayTo(customer);
  b.clock.advance(PICKUP_WINDOW_MS);
  await waitFor("the parcel to expire", () => status() === "EXPIRED", 20 * GIVE_WAY_MAX_MS);
  expect(customer.firstAskedAt).not.toBeNull();
  expect(expiredAt()! - customer.firstAskedAt!).toBeGreaterThanOrEqual(GIVE_WAY_MAX_MS - 5);
});

it("a sweep waiting for the customer when the sweeps stop does not run", async () => {
  const { b, s, status } = await storedParcelAndSweeps();
  const customer = customerAtTheBank();
  s.giveWayTo(customer);
  b.clock.advance(PICKUP_WINDOW_MS);
  await waitFor("a sweep to wait for the customer", () => customer.asked > 0);
  s.stop();
  customer.done();
  await sleep(GIVE_WAY_MAX_MS + 5 * EVERY_MS);
  expect(status()).toBe("STORED");
});

it("the daemon's sweeps give way to its kiosk: a parcel falling due while a whole code is typed expires once the entry is cleared", async () => {
  const keypad = new SimKeypad();
  const d = await createTestBank({
    daemon: { input: { keypad, scanner: null, indicator: new SimIndicator() }, config: { parcels: { expirySweepMs: EVERY_MS } } },
    clock: "system",
  });
  bank = d;
  const a = await d.depositParcel();
  keypad.press(a.pickupCode); // a whole code, no Enter yet: a pickup is imminent, the kiosk acts
  await d.daemon.kiosk.settled();
  expect(d.daemon.kiosk.idle()).not.toBeNull();
  const dueIn = 2 * EVERY_MS;
  extendDeadline(d.ctx, a.parcelId, d.clock.now() + dueIn);
  await sleep(dueIn + GIVE_WAY_MAX_MS / 2);
  expect(d.store.parcels.get(a.parcelId)!.status).toBe("STORED");
  keypad.press("*"); // the customer clears the entry: no pickup is coming
  await waitFor("the parcel to expire", () => d.store.parcels.get(a.parcelId)!.status === "EXPIRED");
});
