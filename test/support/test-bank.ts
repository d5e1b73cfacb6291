/**
 * The whole daemon on a simulated bank, for scenario tests: a temp data dir with a real SQLite
 * file, the demo layout, a SimLockBank handed in through options.lockBank and a manual clock
 * for the door supervisor's timers. restart() stops the daemon and starts a new one on the same
 * database, with the doors where the test says they physically are.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, vi } from "vitest";
import { assignLocker, type Assignment } from "../../src/bank/assign.js";
import { loadLayout } from "../../src/config/layout.js";
import { loadConfig, type ResolvedConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import type { DoorPosition } from "../../src/drivers/lock-bank.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import type { EventRow } from "../../src/store/rows.js";
import { createLogger } from "../../src/system/logger.js";
import { FakeClock } from "./clock.js";

export const DOORS = { pulseMs: 500, openTimeoutMs: 30_000, leftOpenMs: 120_000, leftOpenRepeatMs: 300_000, maxFailedOpens: 3, sensorSettleMs: 0, flapWindowMs: 10_000, flapMaxChanges: 6 };

type Json = Record<string, unknown>;

function merge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && prev && typeof prev === "object" && !Array.isArray(prev) ? merge(prev as Json, v as Json) : v;
  }
  return out;
}

export interface TestBank {
  daemon: Daemon;
  bank: SimLockBank;
  clock: FakeClock;
  cfg: ResolvedConfig;
  /** Events of a type (or family, with a trailing dot), oldest first. */
  events(type: string): EventRow[];
  /** Assign a locker and play the courier: open the door, close it. Returns the assignment. */
  deposit(size?: string): Promise<Assignment>;
  /** Stop the daemon (as a kill would leave the database) and start it again with doors where given. */
  restart(doors?: Record<string, DoorPosition>): Promise<void>;
  /**
   * Stop the in-process daemon, let `elsewhere` run a real lockerd process on the same data (it
   * gets a configuration file that logs JSON at info level), then start in-process again with
   * the doors where given.
   */
  handOver(elsewhere: (configFile: string) => Promise<void>, doors?: Record<string, DoorPosition>): Promise<void>;
  close(): Promise<void>;
}

/** `config` is merged over fast door settings and a simulated person who is switched off. */
export async function startTestBank(config: Json = {}, opts: { http?: boolean } = {}): Promise<TestBank> {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-scenario-"));
  const file = join(dir, "config.json");
  const settings = merge({ dataDir: dir, http: { host: "127.0.0.1", port: 0 }, doors: DOORS, hardware: { sim: { person: { enabled: false } } }, log: { level: "silent" } }, config);
  writeFileSync(file, JSON.stringify(settings));
  const cfg = loadConfig({ path: file, env: {} });
  const log = createLogger({ level: "silent" });
  // Starts at the real time: a real lockerd process may share the database (handOver).
  const clock = new FakeClock(Date.now());
  const lockerIds = loadLayout(cfg.paths.layout, cfg.bank.sizes).lockers.map((l) => l.id);
  const newBank = (doors: Record<string, DoorPosition> = {}) => {
    const b = new SimLockBank({ lockerIds, person: cfg.hardware.sim.person, faults: cfg.hardware.sim.faults, flapIntervalMs: 5 });
    for (const [id, pos] of Object.entries(doors)) b.setDoor(id, pos);
    return b;
  };
  let bank = newBank();
  let daemon = await startDaemon(cfg, log, { clock, lockBank: bank, http: opts.http === true });
  const tb: TestBank = {
    get daemon() {
      return daemon;
    },
    get bank() {
      return bank;
    },
    clock,
    cfg,
    events: (type) => daemon.store.events.query({ type, limit: 10_000 }),
    async deposit(size = "S") {
      const a = await assignLocker(daemon.ctx, { size });
      if (cfg.hardware.sim.person.enabled) {
        await vi.waitFor(() => expect(daemon.store.parcels.get(a.parcelId)?.status).toBe("STORED"));
        await vi.waitFor(() => expect(daemon.store.lockers.get(a.lockerId)?.status).toBe("OCCUPIED"));
      } else {
        bank.setDoor(a.lockerId, "open");
        bank.setDoor(a.lockerId, "closed");
      }
      return a;
    },
    async restart(doors = {}) {
      await daemon.stop();
      bank = newBank(doors);
      daemon = await startDaemon(cfg, log, { clock, lockBank: bank, http: opts.http === true });
    },
    async handOver(elsewhere, doors = {}) {
      await daemon.stop();
      const childFile = join(dir, "child-config.json");
      writeFileSync(childFile, JSON.stringify({ ...settings, log: { level: "info", pretty: false } }));
      await elsewhere(childFile);
      bank = newBank(doors);
      daemon = await startDaemon(cfg, log, { clock, lockBank: bank, http: opts.http === true });
    },
    async close() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return tb;
}
