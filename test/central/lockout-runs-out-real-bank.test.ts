/**
 * A keypad lockout that runs out by itself, end to end: a real bank daemon syncing to the real
 * central schema through lockerd-central's fleet API; the bank's time is a test clock, so the
 * lockout lasts until the test moves it on (sync and the sweep run on real timers). Wrong codes at the keypad trip a lockout,
 * its pickup_lockout alarm opens at the center; nobody clears it, the lockout runs out, the bank's
 * sweep records kiosk.lockout_ended and the fleet's alarm is cleared by it (central migration 12's
 * rule), with no operator's note; the next lockout opens it again under a new id.
 */
import { expect, it } from "vitest";
import { useLockoutFleet, waitFor, type FleetAlarm } from "../support/lockout-fleet.js";

const LOCKOUT_MS = 60_000;
const fleet = useLockoutFleet(LOCKOUT_MS);
const { keypad } = fleet;
const lockoutAlarms = () => fleet.lockoutAlarms();

async function tripLockout(): Promise<void> {
  for (let i = 0; i < 5; i++) keypad.press(`0000000000${i}#`);
  await fleet.bank.daemon.kiosk.settled();
  expect(fleet.bank.daemon.attempts.lockedForMs("keypad:main")).toBeGreaterThan(0);
}

it("the fleet's pickup_lockout alarm is cleared when the lockout runs out, with no one clearing it", async () => {
  await tripLockout();
  const open = await waitFor("no pickup_lockout alarm yet", async () => (await lockoutAlarms())[0] ?? null);
  // locked out, synced and swept for a while: the alarm stays open
  await new Promise((r) => setTimeout(r, 1000));
  expect(await lockoutAlarms()).toEqual([expect.objectContaining({ id: open.id })]);
  expect(fleet.bank.events("kiosk.lockout_ended")).toEqual([]);

  // the lockout runs out: one kiosk.lockout_ended at the bank, and the alarm leaves the fleet
  fleet.bank.clock.advance(LOCKOUT_MS);
  await waitFor("the alarm is still open", async () => ((await lockoutAlarms()).length === 0 ? true : null));
  expect(fleet.bank.events("kiosk.lockout_ended").map((e) => e.data)).toEqual([expect.objectContaining({ source: "keypad:main" })]);
  const cleared = await fleet.get<FleetAlarm>(`/fleet/alarms/${open.id}`);
  expect(cleared).toMatchObject({ id: open.id, clearedBy: null, clearNote: null, clearedAt: new Date(fleet.bank.clock.now()).toISOString() });

  // the sweep goes on: nothing more is recorded for that lockout
  await new Promise((r) => setTimeout(r, 1000));
  fleet.bank.clock.advance(LOCKOUT_MS);
  await new Promise((r) => setTimeout(r, 500));
  expect(fleet.bank.events("kiosk.lockout_ended")).toHaveLength(1);

  await tripLockout();
  const again = await waitFor("not raised again yet", async () => (await lockoutAlarms())[0] ?? null);
  expect(again.id).not.toBe(open.id);
});
