/** Starting the whole daemon for scenario tests: temp data dir, simulated bank, devices handed in. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assignLocker, type Assignment } from "../../src/bank/assign.js";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon, type DaemonOptions } from "../../src/daemon.js";
import type { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import { testLogger } from "./log.js";

export interface TestBank {
  dir: string;
  daemon: Daemon;
  bank: SimLockBank;
  restart(opts?: DaemonOptions): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startTestBank(config: Record<string, unknown>, opts: DaemonOptions = {}, env: NodeJS.ProcessEnv = {}): Promise<TestBank> {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-kiosk-"));
  const path = join(dir, "lockerd.json");
  // Tests move doors by hand, instantly: no sensor settle time (the supervisor's own tests cover it).
  const full = { dataDir: join(dir, "data"), http: { port: 0 }, hardware: { sim: { person: { enabled: false } } }, doors: { sensorSettleMs: 0 }, ...config };
  writeFileSync(path, JSON.stringify(full));
  const cfg = loadConfig({ path, env });
  const start = (o: DaemonOptions) => startDaemon(cfg, testLogger(), o);
  let daemon: Daemon;
  try {
    daemon = await start(opts);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const t: TestBank = {
    dir,
    daemon,
    get bank() {
      return this.daemon.lockBank as SimLockBank;
    },
    async restart(o: DaemonOptions = opts) {
      await this.daemon.stop();
      this.daemon = await start(o);
    },
    async cleanup() {
      await this.daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A courier's deposit through the use case: assign, the door opens, the parcel goes in, it closes. */
export async function storeParcel(t: TestBank, size = "S", trackingRef: string | null = null): Promise<Assignment> {
  const a = await assignLocker(t.daemon.ctx, { size, trackingRef });
  t.bank.setDoor(a.lockerId, "open");
  t.bank.setDoor(a.lockerId, "closed");
  return a;
}

export const pulsesOf = (t: TestBank) => t.bank.pulses.map((p) => p.lockerId);
