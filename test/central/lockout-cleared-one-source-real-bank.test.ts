/**
 * The fleet holds one pickup_lockout alarm per bank, but the bank locks out each source on its
 * own (the keypad's codes, an HTTP caller's). End to end (a real bank daemon syncing to the real
 * central schema, read through lockerd-central's fleet API; the bank's time a test clock): a
 * technician clearing one source's lockout leaves the alarm open while another source's alarm
 * is not over (the event's stillAlarmed, central migration 13); it closes with the last clear,
 * or when the last alarmed lockout runs out (kiosk.lockout_ended).
 */
import { expect, it } from "vitest";
import { useLockoutFleet, waitFor, type FleetAlarm } from "../support/lockout-fleet.js";

const LOCKOUT_MS = 60_000;
const KEYPAD = "keypad:main";
const HTTP = "http:token:front-kiosk";
const fleet = useLockoutFleet(LOCKOUT_MS);
const { central, keypad } = fleet;
const lockoutAlarms = () => fleet.lockoutAlarms();

/** Both sources locked out and alarmed: wrong codes typed at the keypad, and failures counted against an HTTP caller (the limiter the API uses). */
async function tripBoth(): Promise<FleetAlarm> {
  for (let i = 0; i < 5; i++) keypad.press(`0000000000${i}#`);
  await fleet.bank.daemon.kiosk.settled();
  for (let i = 0; i < 5; i++) fleet.bank.daemon.attempts.recordFailure(HTTP);
  for (const s of [KEYPAD, HTTP]) expect(fleet.bank.daemon.attempts.lockedForMs(s), s).toBeGreaterThan(0);
  return await waitFor("no pickup_lockout alarm yet", async () => (await lockoutAlarms())[0] ?? null);
}

/** A technician clears one source; returns once the center holds the bank's event (its alarm effect applied with it). */
async function clearAndSync(source: string): Promise<Record<string, unknown>> {
  fleet.bank.daemon.attempts.clear(source, "technician");
  const seq = fleet.bank.events("kiosk.lockout_cleared").at(-1)!.seq;
  await waitFor("the clear has not reached the center", async () => {
    const r = await central.db.admin(`SELECT 1 FROM central.events WHERE bank_id = $1 AND seq = $2 AND type = 'kiosk.lockout_cleared'`, [fleet.bankId, seq]);
    return r.rowCount ? true : null;
  });
  return fleet.bank.events("kiosk.lockout_cleared").at(-1)!.data as Record<string, unknown>;
}

it("clearing one source's lockout leaves the fleet's alarm open while another's lasts; the last clear closes it", async () => {
  const open = await tripBoth();
  expect(await clearAndSync(KEYPAD)).toMatchObject({ source: KEYPAD, stillAlarmed: [HTTP] });
  expect(await lockoutAlarms()).toEqual([expect.objectContaining({ id: open.id, clearedAt: null })]);

  expect(await clearAndSync(HTTP)).toMatchObject({ source: HTTP, stillAlarmed: [] });
  await waitFor("the alarm is still open", async () => ((await lockoutAlarms()).length === 0 ? true : null));
});

it("cleared for one source, the alarm closes when the other source's lockout runs out", async () => {
  const open = await tripBoth();
  expect(await clearAndSync(HTTP)).toMatchObject({ source: HTTP, stillAlarmed: [KEYPAD] });
  // swept and synced for a while: still open, for the keypad
  await new Promise((r) => setTimeout(r, 1000));
  expect(await lockoutAlarms()).toEqual([expect.objectContaining({ id: open.id, clearedAt: null })]);
  expect(fleet.bank.events("kiosk.lockout_ended")).toEqual([]);

  fleet.bank.clock.advance(LOCKOUT_MS);
  await waitFor("the alarm is still open", async () => ((await lockoutAlarms()).length === 0 ? true : null));
  expect(fleet.bank.events("kiosk.lockout_ended").map((e) => e.data)).toEqual([expect.objectContaining({ source: KEYPAD })]);
});
