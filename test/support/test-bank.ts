/**
 * @deprecated The one test bank is bank.ts: `createTestBank({ daemon: { config } })`. This is the
 * old scenario API over it, kept so tests written before the merge still compile.
 */
import type { Assignment } from "../../src/bank/assign.js";
import type { ResolvedConfig } from "../../src/config/load.js";
import type { Daemon } from "../../src/daemon.js";
import type { DoorPosition } from "../../src/drivers/lock-bank.js";
import type { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import type { EventRow } from "../../src/store/rows.js";
import { createTestBank } from "./bank.js";
import type { FakeClock } from "./clock.js";

export const DOORS = { pulseMs: 500, openTimeoutMs: 30_000, leftOpenMs: 120_000, leftOpenRepeatMs: 300_000, maxFailedOpens: 3, sensorSettleMs: 0, flapWindowMs: 10_000, flapMaxChanges: 6 };

export interface TestBank {
  daemon: Daemon;
  bank: SimLockBank;
  clock: FakeClock;
  cfg: ResolvedConfig;
  events(type: string): EventRow[];
  deposit(size?: string): Promise<Assignment>;
  restart(doors?: Record<string, DoorPosition>): Promise<void>;
  handOver(elsewhere: (configFile: string) => Promise<void>, doors?: Record<string, DoorPosition>): Promise<void>;
  close(): Promise<void>;
}

export async function startTestBank(config: Record<string, unknown> = {}, opts: { http?: boolean } = {}): Promise<TestBank> {
  const t = await createTestBank({ daemon: { config: { doors: DOORS, ...config }, http: opts.http } });
  return {
    get daemon() {
      return t.daemon;
    },
    get bank() {
      return t.sim;
    },
    clock: t.clock,
    cfg: t.cfg,
    events: (type) => t.events(type),
    deposit: (size) => t.depositParcel(size),
    restart: async (doorsAtStart) => void (await t.reopen({ doorsAtStart })),
    handOver: (elsewhere, doors) => t.handOver(elsewhere, doors),
    close: () => t.dispose(),
  };
}
