/**
 * The one test bank: a real SQLite file in a temp dir and the real use cases, built three ways
 * by createTestBank's options:
 * - by default, the bank's parts wired by hand: the real door supervisor on a SimLockBank (its
 *   simulated person off, so tests move doors by hand), a FakeClock and a seeded random source;
 * - `doors: "recorded"`, no supervisor: the use cases' unlocks are only recorded and no door
 *   moves, for tests that report door outcomes themselves (the sync tests);
 * - `daemon: {...}`, the whole daemon in process (startDaemon) on a config file, with the
 *   SimLockBank handed in; kiosk tests that wait on real idle timers pass `clock: "system"`.
 * reopen() is a restart on the same file, in place: the same object, the same clock, doors where
 * the test says they physically are. The daemon as its own OS process is daemon-process.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, vi } from "vitest";
import { assignLocker, type Assignment } from "../../src/bank/assign.js";
import { DEFAULT_ATTEMPTS } from "../../src/bank/attempts.js";
import type { BankContext, BankPolicy, DoorCommander } from "../../src/bank/context.js";
import type { Clock, RandomSource } from "../../src/basics/ports.js";
import type { ReconcileResult } from "../../src/bank/reconcile.js";
import { createBankCore, type BankCoreOptions, type BankDoors } from "../../src/compose/bank.js";
import { loadLayout, parseLayout, type BankLayout } from "../../src/config/layout.js";
import { loadConfig, type ResolvedConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon, type DaemonOptions } from "../../src/daemon.js";
import type { DoorSupervisor, SupervisorSettings } from "../../src/doors/supervisor.js";
import type { DoorPosition } from "../../src/drivers/lock-bank.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import type { EventRow } from "../../src/store/rows.js";
import type { Store } from "../../src/store/store.js";
import { createSystemClock } from "../../src/system/clock.js";
import type { Logger } from "../../src/system/logger.js";
import { DEFAULT_LAYOUT } from "../../src/system/paths.js";
import { FakeClock } from "./clock.js";
import { testLogger } from "./log.js";
import { SeededRandom } from "./random.js";

export const TEST_SECRET = Buffer.alloc(32, 0x5a);
export const SIZES = ["S", "M", "L"] as const;

export const DEFAULT_DOORS: SupervisorSettings = { pulseMs: 50, openTimeoutMs: 30_000, leftOpenMs: 120_000, leftOpenRepeatMs: 300_000 };

type Json = Record<string, unknown>;
type Doors = Record<string, DoorPosition>;

export interface TestBankOptions {
  /** Layout: the demo bank by default, or lockers as [id, size] pairs in one column. */
  lockers?: readonly (readonly [string, string])[];
  digits?: number;
  policy?: Partial<BankPolicy>;
  /** The door supervisor's settings, or "recorded": no supervisor (see RecordedDoorsBank). */
  doors?: Partial<SupervisorSettings> | "recorded";
  /** A SeededRandom(42) by default. */
  random?: RandomSource;
  clock?: FakeClock;
  /** Reuse a database file; a fresh temp dir otherwise. */
  dir?: string;
  /** Door positions the sensors report at start. */
  doorsAtStart?: Doors;
  /** The lock bank, kept across reopens (its doors, faults and outages go on); a new SimLockBank each start otherwise. */
  sim?: SimLockBank;
  /** The code book's secret: TEST_SECRET by default. */
  secret?: Buffer;
  /** Also told of every error the supervisor swallows while recording an outcome (outcomeErrors keeps them too). */
  onOutcomeError?: (e: unknown, where: string) => void;
  /** Seal codes for the center (as the daemon does with sync.notifierKeys); none by default. */
  sealCodes?: BankContext["sealCodes"];
  /** Pass rules (keys, bank id, grace, returns); none: every pass is refused. */
  passes?: BankContext["passes"];
  /** A whole layout (wins over lockers). */
  layout?: BankLayout;
  /** How the deferred flush syncs files (a gate, to hold it): real fdatasync by default. */
  flush?: BankCoreOptions["flush"];
}

export interface DaemonBankOptions {
  daemon: {
    /** Merged (deeply) over the test defaults: data in the temp dir, HTTP on port 0 of the loopback, no sensor settle time, the simulated person off, silent logs. */
    config?: Json;
    /** The environment the configuration is loaded with (LOCKERD_*); none by default. */
    env?: NodeJS.ProcessEnv;
    /** Listen on HTTP (default false). */
    http?: boolean;
    /** Keypad, scanner and indicator handed in. */
    input?: DaemonOptions["input"];
    /** testLogger() by default: silent unless LOCKERD_TEST_LOG is set. */
    log?: Logger;
  };
  /** A FakeClock starting now (a real lockerd process may share the data, see handOver), or "system": real time, for tests that wait on the daemon's own timers. */
  clock?: FakeClock | "system";
  /** The daemon's own (crypto) randomness by default. */
  random?: RandomSource;
  doorsAtStart?: Doors;
}

/** What every test bank has. */
interface BankBase {
  readonly dir: string;
  readonly dbPath: string;
  readonly ctx: BankContext;
  readonly store: Store;
  readonly layout: BankLayout;
  assign(size: string, trackingRef?: string | null): Promise<Assignment>;
  /** Events of a type (or family, with a trailing dot), or all, oldest first. */
  events(type?: string): EventRow[];
  /** Shut down and delete the temp dir. */
  dispose(): Promise<void>;
}

/** A bank whose doors are a SimLockBank the test moves as a person would. */
interface SimDoorsBank {
  readonly sim: SimLockBank;
  readonly supervisor: DoorSupervisor;
  open(lockerId: string): void;
  close(lockerId: string): void;
  /** Open and close the door of an assignment: the courier put the parcel in. */
  deposit(a: { lockerId: string }): void;
  /** Assign a locker and play the courier (or, with the simulated person on, wait for them). */
  depositParcel(size?: string, trackingRef?: string | null): Promise<Assignment>;
  /** The lockers pulsed so far, in order. */
  pulses(): string[];
}

export interface TestBank extends BankBase, SimDoorsBank {
  readonly clock: FakeClock;
  /** Move a door as a person would and let its sensor settle: the clock moves on by the doors' sensorSettleMs. */
  move(lockerId: string, pos: DoorPosition): void;
  /** Errors the supervisor swallowed while recording outcomes; tests expect none. */
  readonly outcomeErrors: unknown[];
  readonly reconciled: ReconcileResult[];
  /** Stop the supervisor and close the database, keeping the files. */
  shutdown(): Promise<void>;
  /** Shut down, then start again on the same file (and this object) with the options changed. */
  reopen(opts?: Omit<TestBankOptions, "dir">): Promise<TestBank>;
}

export interface RecordingDoors extends DoorCommander {
  /** Every unlock the use cases asked for, across restarts. */
  unlocked: { lockerId: string; intentId: number }[];
}

/** Nothing in it is asynchronous: recordedDoorsBank() builds one at once, and it reopens at once. */
export interface RecordedDoorsBank extends BankBase {
  readonly clock: FakeClock;
  readonly doors: RecordingDoors;
  /** Close the database, keeping the files. */
  shutdown(): void;
  /** Close the database and open it again (a restarted daemon); the recorded unlocks stay. */
  reopen(opts?: Omit<TestBankOptions, "dir" | "doors" | "doorsAtStart">): RecordedDoorsBank;
}

export interface DaemonTestBank<C extends Clock = FakeClock> extends BankBase, SimDoorsBank {
  readonly clock: C;
  readonly daemon: Daemon;
  readonly cfg: ResolvedConfig;
  /** Stop the daemon (as a kill would leave the database) and start it again on the same data. */
  reopen(opts?: { doorsAtStart?: Doors; input?: DaemonOptions["input"]; log?: Logger }): Promise<DaemonTestBank<C>>;
  /**
   * Stop the in-process daemon, let `elsewhere` run a real lockerd process on the same data (it
   * gets a configuration file that logs JSON at info level), then start in-process again with
   * the doors where given.
   */
  handOver(elsewhere: (configFile: string) => Promise<void>, doorsAtStart?: Doors): Promise<void>;
}

export function createTestBank(opts: DaemonBankOptions & { clock: "system" }): Promise<DaemonTestBank<Clock>>;
export function createTestBank(opts: DaemonBankOptions): Promise<DaemonTestBank>;
export function createTestBank(opts: TestBankOptions & { doors: "recorded" }): Promise<RecordedDoorsBank>;
export function createTestBank(opts?: TestBankOptions): Promise<TestBank>;
export function createTestBank(opts: TestBankOptions | DaemonBankOptions = {}): Promise<TestBank | RecordedDoorsBank | DaemonTestBank<Clock>> {
  if ("daemon" in opts) return startDaemonBank(opts);
  if (opts.doors === "recorded") {
    const { doors: _recorded, doorsAtStart: _none, ...rest } = opts;
    return Promise.resolve(recordedDoorsBank(rest));
  }
  return startBank(opts);
}

export function layoutOf(lockers: readonly (readonly [string, string])[]): BankLayout {
  return parseLayout({ name: "test", columns: [{ id: "A", lockers: lockers.map(([id, size]) => ({ id, size })) }] }, SIZES, "test layout");
}

export function tempDir(prefix = "lockerd-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Event types in log order, optionally only those after a sequence number. */
export function eventTypes(store: Store, afterSeq = 0): string[] {
  return store.events.after(afterSeq, 100_000).map((e) => e.type);
}

export function recordingDoors(): RecordingDoors {
  const unlocked: RecordingDoors["unlocked"] = [];
  return {
    unlocked,
    unlock: (lockerId, intentId) => {
      unlocked.push({ lockerId, intentId });
      return Promise.resolve();
    },
    unavailableLockers: () => new Set(),
    openUnattended: () => new Set(),
  };
}

function newSim(lockerIds: string[], more: Partial<ConstructorParameters<typeof SimLockBank>[0]> = {}): SimLockBank {
  return new SimLockBank({ lockerIds, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 }, ...more });
}

/** What a bank runs now; a reopen swaps it under the same bank object. */
interface Running {
  ctx: BankContext;
  store: Store;
  layout: BankLayout;
}

/** Getters on `bank` for the named parts of what runs now. */
function live<T extends object, P, K extends keyof P>(bank: T, now: () => P, keys: readonly K[]): NoInfer<T> & Readonly<Pick<P, K>> {
  for (const k of keys) Object.defineProperty(bank, k, { get: () => now()[k], enumerable: true });
  return bank as T & Readonly<Pick<P, K>>;
}

/** The use-case shortcuts every bank has. */
function readers(now: () => Running): Pick<BankBase, "assign" | "events"> {
  return {
    assign: (size, trackingRef) => assignLocker(now().ctx, { size, trackingRef: trackingRef ?? null }),
    events: (type) => now().store.events.query({ type, limit: 100_000 }),
  };
}

/** Door moves and deposits shared by the banks whose doors are a SimLockBank. */
function simDoors(parts: () => { sim: SimLockBank; ctx: BankContext }, personEnabled = () => false): Omit<SimDoorsBank, "sim" | "supervisor"> {
  const deposit = (a: { lockerId: string }) => {
    parts().sim.setDoor(a.lockerId, "open");
    parts().sim.setDoor(a.lockerId, "closed");
  };
  return {
    open: (id) => parts().sim.setDoor(id, "open"),
    close: (id) => parts().sim.setDoor(id, "closed"),
    deposit,
    async depositParcel(size = "S", trackingRef = null) {
      const { ctx } = parts();
      const a = await assignLocker(ctx, { size, trackingRef });
      if (personEnabled()) {
        await vi.waitFor(() => expect(ctx.store.parcels.get(a.parcelId)?.status).toBe("STORED"));
        await vi.waitFor(() => expect(ctx.store.lockers.get(a.lockerId)?.status).toBe("OCCUPIED"));
      } else deposit(a);
      return a;
    },
    pulses: () => parts().sim.pulses.map((p) => p.lockerId),
  };
}

/** The bank's core on its file (compose/bank.ts, as the daemon builds it), with the test's doors. */
function openBank(dbPath: string, clock: FakeClock, opts: TestBankOptions, doors: (layout: BankLayout) => BankDoors) {
  const layout = opts.layout ?? (opts.lockers ? layoutOf(opts.lockers) : loadLayout(DEFAULT_LAYOUT, SIZES));
  return createBankCore({
    database: dbPath,
    layout,
    layoutSource: "test layout",
    sizes: SIZES,
    clock,
    random: opts.random ?? new SeededRandom(42),
    codes: { secret: opts.secret ?? TEST_SECRET, digits: opts.digits ?? 8 },
    policy: { pickupWindowMs: 72 * 3_600_000, maxFailedOpens: 3, attempts: DEFAULT_ATTEMPTS, ...opts.policy },
    doors: doors(layout),
    ...(opts.sealCodes ? { sealCodes: opts.sealCodes } : {}),
    ...(opts.passes ? { passes: opts.passes } : {}),
    ...(opts.flush ? { flush: opts.flush } : {}),
  });
}

/** What a restart carries over: the file, the clock and the random stream go on; the doors are where the test says. */
function carryOver(opts: TestBankOptions, more: Omit<TestBankOptions, "dir">, fixed: Pick<TestBankOptions, "dir" | "clock" | "random">): TestBankOptions {
  return { ...opts, doorsAtStart: undefined, ...more, ...fixed, random: more.random ?? fixed.random };
}

async function startBank(first: TestBankOptions): Promise<TestBank> {
  const dir = first.dir ?? tempDir();
  const dbPath = join(dir, "lockerd.db");
  const clock = first.clock ?? new FakeClock();
  const random = first.random ?? new SeededRandom(42);
  const outcomeErrors: unknown[] = [];

  const boot = async (opts: TestBankOptions) => {
    const supervisorSettings: SupervisorSettings = { ...DEFAULT_DOORS, ...(opts.doors as Partial<SupervisorSettings> | undefined) };
    let sim!: SimLockBank;
    const core = openBank(dbPath, clock, opts, (layout) => {
      sim = opts.sim ?? newSim(layout.lockers.map((l) => l.id));
      for (const [id, pos] of Object.entries(opts.doorsAtStart ?? {})) sim.setDoor(id, pos);
      const onOutcomeError = (e: unknown, where: string) => {
        outcomeErrors.push(e);
        opts.onOutcomeError?.(e, where);
      };
      return { lockBank: sim, settings: supervisorSettings, onOutcomeError };
    });
    const { layout, store, ctx } = core;
    const supervisor = core.supervisor!;
    const reconciled = await core.start();
    let down = false;
    const shutdown = async () => {
      if (down) return;
      down = true;
      await supervisor.stop();
      store.close();
    };
    return { layout, store, sim, supervisor, supervisorSettings, ctx, reconciled, shutdown };
  };

  let opts: TestBankOptions = { ...first, dir, clock, random };
  let now = await boot(opts);
  const bank: TestBank = live(
    {
      dir,
      dbPath,
      clock,
      outcomeErrors,
      ...readers(() => now),
      ...simDoors(() => now),
      move(lockerId: string, pos: DoorPosition) {
        now.sim.setDoor(lockerId, pos);
        clock.advance(now.supervisorSettings.sensorSettleMs ?? 0);
      },
      shutdown: () => now.shutdown(),
      async reopen(more: Omit<TestBankOptions, "dir"> = {}) {
        await now.shutdown();
        opts = carryOver(opts, more, { dir, clock, random });
        now = await boot(opts);
        return bank;
      },
      async dispose() {
        await now.shutdown();
        rmSync(dir, { recursive: true, force: true });
      },
    },
    () => now,
    ["ctx", "store", "layout", "sim", "supervisor", "reconciled"],
  );
  return bank;
}

/** The recorded-doors bank, at once: nothing in it starts asynchronously. */
export function recordedDoorsBank(first: Omit<TestBankOptions, "doors" | "doorsAtStart"> = {}): RecordedDoorsBank {
  const dir = first.dir ?? tempDir();
  const dbPath = join(dir, "lockerd.db");
  const clock = first.clock ?? new FakeClock();
  const random = first.random ?? new SeededRandom(42);
  const doors = recordingDoors();
  let opts: TestBankOptions = { ...first, dir, clock, random };
  let now = openBank(dbPath, clock, opts, () => ({ commander: doors }));
  const bank: RecordedDoorsBank = live(
    {
      dir,
      dbPath,
      clock,
      doors,
      ...readers(() => now),
      shutdown() {
        if (now.store.db.open) now.store.close();
      },
      reopen(more: Omit<TestBankOptions, "dir" | "doors" | "doorsAtStart"> = {}) {
        bank.shutdown();
        opts = carryOver(opts, more, { dir, clock, random });
        now = openBank(dbPath, clock, opts, () => ({ commander: doors }));
        return bank;
      },
      dispose() {
        bank.shutdown();
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    },
    () => now,
    ["ctx", "store", "layout"],
  );
  return bank;
}

function merge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && prev && typeof prev === "object" && !Array.isArray(prev) ? merge(prev as Json, v as Json) : v;
  }
  return out;
}

async function startDaemonBank(opts: DaemonBankOptions): Promise<DaemonTestBank<Clock>> {
  const dir = tempDir("lockerd-daemon-");
  const file = join(dir, "config.json");
  const defaults = { dataDir: dir, http: { host: "127.0.0.1", port: 0 }, doors: { sensorSettleMs: 0 }, hardware: { sim: { person: { enabled: false } } }, log: { level: "silent" } };
  const settings = merge(defaults, opts.daemon.config ?? {});
  let log = opts.daemon.log ?? testLogger();
  let cfg: ResolvedConfig;
  let clock: Clock;
  let lockerIds: string[];
  let input = opts.daemon.input;
  const start = async (doorsAtStart: Doors = {}) => {
    const sim = newSim(lockerIds, { person: cfg.hardware.sim.person, faults: cfg.hardware.sim.faults, flapIntervalMs: 5 });
    for (const [id, pos] of Object.entries(doorsAtStart)) sim.setDoor(id, pos);
    const daemon = await startDaemon(cfg, log, { clock, random: opts.random, lockBank: sim, http: opts.daemon.http === true, input });
    return { daemon, sim, ctx: daemon.ctx, store: daemon.store, layout: daemon.layout, supervisor: daemon.supervisor };
  };
  let now: Awaited<ReturnType<typeof start>>;
  try {
    writeFileSync(file, JSON.stringify(settings));
    cfg = loadConfig({ path: file, env: opts.daemon.env ?? {} });
    clock = opts.clock === "system" ? createSystemClock() : (opts.clock ?? new FakeClock(Date.now()));
    lockerIds = loadLayout(cfg.paths.layout, cfg.bank.sizes).lockers.map((l) => l.id);
    now = await start(opts.doorsAtStart);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const tb: DaemonTestBank<Clock> = live(
    {
      dir,
      dbPath: cfg.paths.database,
      clock,
      cfg,
      ...readers(() => now),
      ...simDoors(
        () => now,
        () => cfg.hardware.sim.person.enabled,
      ),
      async reopen(more: Parameters<DaemonTestBank["reopen"]>[0] = {}) {
        await now.daemon.stop();
        if (more.input) input = more.input;
        if (more.log) log = more.log;
        now = await start(more.doorsAtStart);
        return tb;
      },
      async handOver(elsewhere: (configFile: string) => Promise<void>, doorsAtStart: Doors = {}) {
        await now.daemon.stop();
        const childFile = join(dir, "child-config.json");
        writeFileSync(childFile, JSON.stringify({ ...settings, log: { level: "info", pretty: false } }));
        await elsewhere(childFile);
        now = await start(doorsAtStart);
      },
      async dispose() {
        await now.daemon.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    },
    () => now,
    ["daemon", "ctx", "store", "layout", "sim", "supervisor"],
  );
  return tb;
}
