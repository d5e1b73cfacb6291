/**
 * A keypad lockout that runs out by itself, end to end: a real bank daemon syncing to the real
 * central schema through lockerd-central's fleet API; the bank's time is a test clock, so the
 * lockout lasts until the test moves it on (sync and the sweep run on real timers). Wrong codes at the keypad trip a lockout,
 * its pickup_lockout alarm opens at the center; nobody clears it, the lockout runs out, the bank's
 * sweep records kiosk.lockout_ended and the fleet's alarm is cleared by it (central migration 12's
 * rule), with no operator's note; the next lockout opens it again under a new id.
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
const central = useTestCentral();
let t: DaemonTestBank | null = null;
let service: CentralInstance;
let viewer = "";
let bankId = "";
const keypad = new SimKeypad();
const dir = mkdtempSync(join(tmpdir(), "lockerd-lockout-ends-"));

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
        // every lockout alarmed, and a sweep ten times a second (real time; the lockout's is the test clock's)
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
  clearedBy: string | null;
  clearNote: string | null;
}
async function get<T>(path: string): Promise<T> {
  const res = await fetch(service.url + path, { headers: { Authorization: `Bearer ${viewer}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
const lockoutAlarms = async () => (await get<{ alarms: FleetAlarm[] }>(`/fleet/alarms?bankId=${bankId}`)).alarms.filter((a) => a.kind === "pickup_lockout");
const waitFor = <T>(what: string, fn: () => Promise<T | null>) =>
  vi.waitFor(
    async () => {
      const v = await fn();
      if (v === null) throw new Error(what);
      return v;
    },
    { timeout: 20_000, interval: 100 },
  );

async function tripLockout(): Promise<void> {
  for (let i = 0; i < 5; i++) keypad.press(`0000000000${i}#`);
  await t!.daemon.kiosk.settled();
  expect(t!.daemon.attempts.lockedForMs("keypad:main")).toBeGreaterThan(0);
}

it("the fleet's pickup_lockout alarm is cleared when the lockout runs out, with no one clearing it", async () => {
  await tripLockout();
  const open = await waitFor("no pickup_lockout alarm yet", async () => (await lockoutAlarms())[0] ?? null);
  // locked out, synced and swept for a while: the alarm stays open
  await new Promise((r) => setTimeout(r, 1000));
  expect(await lockoutAlarms()).toEqual([expect.objectContaining({ id: open.id })]);
  expect(t!.events("kiosk.lockout_ended")).toEqual([]);

  // the lockout runs out: one kiosk.lockout_ended at the bank, and the alarm leaves the fleet
  t!.clock.advance(LOCKOUT_MS);
  await waitFor("the alarm is still open", async () => ((await lockoutAlarms()).length === 0 ? true : null));
  expect(t!.events("kiosk.lockout_ended").map((e) => e.data)).toEqual([expect.objectContaining({ source: "keypad:main" })]);
  const cleared = await get<FleetAlarm>(`/fleet/alarms/${open.id}`);
  expect(cleared).toMatchObject({ id: open.id, clearedBy: null, clearNote: null, clearedAt: new Date(t!.clock.now()).toISOString() });

  // the sweep goes on: nothing more is recorded for that lockout
  await new Promise((r) => setTimeout(r, 1000));
  t!.clock.advance(LOCKOUT_MS);
  await new Promise((r) => setTimeout(r, 500));
  expect(t!.events("kiosk.lockout_ended")).toHaveLength(1);

  await tripLockout();
  const again = await waitFor("not raised again yet", async () => (await lockoutAlarms())[0] ?? null);
  expect(again.id).not.toBe(open.id);
});
