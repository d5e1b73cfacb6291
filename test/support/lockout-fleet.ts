/**
 * A real bank daemon (test clock, simulated keypad) syncing to the real central schema, and
 * lockerd-central's fleet API read with a viewer token: the setup of the lockout alarm tests.
 * Call at a test file's top level (it registers beforeAll/afterAll).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, vi } from "vitest";
import { fleetModule } from "../../src/central/fleet/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { bankSyncConfig, type TestCentral } from "./central.js";
import { startTestCentralService } from "./central-service.js";
import { createTestBank, type DaemonTestBank } from "./bank.js";
import { useTestCentral } from "./sync-parts.js";

export interface FleetAlarm {
  id: number;
  kind: string;
  clearedAt: string | null;
  clearedBy: string | null;
  clearNote: string | null;
}

export interface LockoutFleet {
  central: TestCentral;
  keypad: SimKeypad;
  /** The bank (set once beforeAll ran). */
  readonly bank: DaemonTestBank;
  readonly bankId: string;
  /** GET a fleet API path as the viewer; expects 200. */
  get<T>(path: string): Promise<T>;
  /** The bank's pickup_lockout alarms open in the fleet. */
  lockoutAlarms(): Promise<FleetAlarm[]>;
}

/** Lockouts of lockoutMs, every one alarmed, the sweep ten times a second (real time; the lockouts' is the test clock's). */
export function useLockoutFleet(lockoutMs: number): LockoutFleet {
  vi.setConfig({ testTimeout: 60_000 });
  const central = useTestCentral();
  const keypad = new SimKeypad();
  const dir = mkdtempSync(join(tmpdir(), "lockerd-lockout-fleet-"));
  let bank: DaemonTestBank | null = null;
  let service: CentralInstance | null = null;
  let viewer = "";
  let bankId = "";

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: central.db.url });
    await admin.connect();
    viewer = await createOperatorToken(admin, "wall-screen", "viewer");
    await admin.end();
    service = await startTestCentralService({ dbUrl: central.db.url, modules: [fleetModule], config: { fleet: { offlineAfterMs: 600_000 } } });
    const login = await central.addBank();
    bankId = login.bankId;
    bank = await createTestBank({
      daemon: {
        input: { keypad, scanner: new SimScanner(), indicator: new SimIndicator() },
        config: {
          bank: { id: bankId },
          limiter: { baseLockoutMs: lockoutMs, maxLockoutMs: lockoutMs, alarmEveryMs: 0 },
          parcels: { expirySweepMs: 100 },
          sync: bankSyncConfig(login, dir, { intervalMs: 200, commandPollMs: 200 }),
        },
      },
    });
  });
  afterAll(async () => {
    await bank?.dispose();
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(service!.url + path, { headers: { Authorization: `Bearer ${viewer}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  return {
    central,
    keypad,
    get bank() {
      return bank!;
    },
    get bankId() {
      return bankId;
    },
    get,
    lockoutAlarms: async () => (await get<{ alarms: FleetAlarm[] }>(`/fleet/alarms?bankId=${bankId}`)).alarms.filter((a) => a.kind === "pickup_lockout"),
  };
}

/** Polls fn until it gives something other than null (20 s at most). */
export const waitFor = <T>(what: string, fn: () => Promise<T | null>): Promise<T> =>
  vi.waitFor(
    async () => {
      const v = await fn();
      if (v === null) throw new Error(what);
      return v;
    },
    { timeout: 20_000, interval: 100 },
  );
