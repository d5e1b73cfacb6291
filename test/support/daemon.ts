/**
 * @deprecated The one test bank is bank.ts: `createTestBank({ daemon: { config, input }, clock:
 * "system" })`. This is the old kiosk API over it, kept so tests written before the merge still
 * compile.
 */
import type { Assignment } from "../../src/bank/assign.js";
import type { Daemon, DaemonOptions } from "../../src/daemon.js";
import type { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import { createTestBank, type DaemonTestBank } from "./bank.js";
import type { Clock } from "../../src/bank/ports.js";
import { waitFor as waitForNamed } from "../helpers/wait-for.js";

export interface TestBank {
  dir: string;
  daemon: Daemon;
  bank: SimLockBank;
  restart(opts?: DaemonOptions): Promise<void>;
  cleanup(): Promise<void>;
}

const wrapped = new WeakMap<TestBank, DaemonTestBank<Clock>>();

export async function startTestBank(config: Record<string, unknown>, opts: DaemonOptions = {}, env: NodeJS.ProcessEnv = {}): Promise<TestBank> {
  const t = await createTestBank({ daemon: { config, env, http: opts.http ?? true, input: opts.input }, clock: "system", random: opts.random });
  const old: TestBank = {
    dir: t.dir,
    get daemon() {
      return t.daemon;
    },
    get bank() {
      return t.sim;
    },
    restart: async (o: DaemonOptions = opts) => void (await t.reopen({ input: o.input })),
    cleanup: () => t.dispose(),
  };
  wrapped.set(old, t);
  return old;
}

/** Poll until cond holds (helpers/wait-for.ts names what it waits for). */
export const waitFor = (cond: () => boolean, ms = 5000): Promise<void> => waitForNamed("a condition", cond, ms);

export function storeParcel(t: TestBank, size = "S", trackingRef: string | null = null): Promise<Assignment> {
  return wrapped.get(t)!.depositParcel(size, trackingRef);
}

export const pulsesOf = (t: TestBank) => t.bank.pulses.map((p) => p.lockerId);
