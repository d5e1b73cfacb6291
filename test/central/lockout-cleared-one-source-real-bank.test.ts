/**
 * The fleet holds one pickup_lockout alarm per bank, but the bank locks out each source on its
 * own (the keypad's codes, an HTTP caller's). End to end (a real bank daemon syncing to the real
 * central schema, read through lockerd-central's fleet API; the bank's time a test clock): a
 * technician clearing one source's lockout leaves the alarm open while another source's alarm
 * is not over (the event's stillAlarmed, central migration 13); it closes with the last clear,
 * or when the last alarmed lockout runs out (kiosk.lockout_ended).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { fleetModule } from "../../src/central/fleet/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { bankSyncConfig } from "../support/central.js";
import { startTestCentralService } from "../support/central-service.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 60_000 });

const LOCKOUT_MS = 60_000;
const KEYPAD = "keypad:main";
const HTTP = "http:token:front-kiosk";
const central = useTestCentral();
let t: DaemonTestBank | null = null;
let service: CentralInstance;
let viewer = "";
let bankId = "";
const keypad = new SimKeypad();
const dir = mkdtempSync(join(tmpdir(), "lockerd-lockout-one-source-"));

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  viewer = await createOperatorToken(admin, "wall-screen", "viewer");
  await admin.end();
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [fleetModule], config: { fleet: { offlineAfterMs: 600_000 } } });
  const login = await central.addBank();
  bankId = login.bankId;
  t = await createTestBank({
    daemon: {
      input: { keypad, scanner: new SimScanner(), indicator: new SimIndicator() },
      config: {
        bank: { id: bankId },
        limiter: { baseLockoutMs: LOCKOUT_MS, maxLockoutMs: LOCKOUT_MS, alarmEveryMs: 0 },
        parcels: { expirySweepMs: 100 },
        sync: bankSyncConfig(login, dir, { intervalMs: 200, commandPollMs: 200 }),
      },
    },
  });
});
afterAll(async () => {
  await t?.dispose();
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface FleetAlarm {
  id: number;
  kind: string;
  clearedAt: string | null;
}
async function lockoutAlarms(): Promise<FleetAlarm[]> {
  const res = await fetch(`${service.url}/fleet/alarms?bankId=${bankId}`, { headers: { Authorization: `Bearer ${viewer}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { alarms: FleetAlarm[] }).alarms.filter((a) => a.kind === "pickup_lockout");
}
const waitFor = <T>(what: string, fn: () => Promise<T | null>) =>
  vi.waitFor(
    async () => {
      const v = await fn();
      if (v === null) throw new Error(what);
      return v;
    },
    { timeout: 20_000, interval: 100 },
  );

/** Both sources locked out and alarmed: wrong codes typed at the keypad, and failures counted against an HTTP caller (the limiter the API uses). */
async function tripBoth(): Promise<FleetAlarm> {
  for (let i = 0; i < 5; i++) keypad.press(`0000000000${i}#`);
  await t!.daemon.kiosk.settled();
  for (let i = 0; i < 5; i++) t!.daemon.attempts.recordFailure(HTTP);
  for (const s of [KEYPAD, HTTP]) expect(t!.daemon.attempts.lockedForMs(s), s).toBeGreaterThan(0);
  return await waitFor("no pickup_lockout alarm yet", async () => (await lockoutAlarms())[0] ?? null);
}

/** A technician clears one source; returns once the center holds the bank's event (its alarm effect applied with it). */
async function clearAndSync(source: string): Promise<Record<string, unknown>> {
  t!.daemon.attempts.clear(source, "technician");
  const seq = t!.events("kiosk.lockout_cleared").at(-1)!.seq;
  await waitFor("the clear has not reached the center", async () => {
    const r = await central.db.admin(`SELECT 1 FROM central.events WHERE bank_id = $1 AND seq = $2 AND type = 'kiosk.lockout_cleared'`, [bankId, seq]);
    return r.rowCount ? true : null;
  });
  return t!.events("kiosk.lockout_cleared").at(-1)!.data as Record<string, unknown>;
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
  expect(t!.events("kiosk.lockout_ended")).toEqual([]);

  t!.clock.advance(LOCKOUT_MS);
  await waitFor("the alarm is still open", async () => ((await lockoutAlarms()).length === 0 ? true : null));
  expect(t!.events("kiosk.lockout_ended").map((e) => e.data)).toEqual([expect.objectContaining({ source: KEYPAD })]);
});
