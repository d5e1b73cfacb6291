/**
 * A real bank for tests: a real Store on a SQLite file in a temp dir, the simulated lock bank
 * (its simulated person off, so tests move doors by hand), the real door supervisor, a fake
 * clock and a seeded random source. reopen() simulates a restart on the same file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assignLocker, type Assignment } from "../../src/bank/assign.js";
import { CodeBook } from "../../src/bank/codes.js";
import type { BankContext, BankPolicy } from "../../src/bank/context.js";
import { bankDoorOutcomes } from "../../src/bank/door-events.js";
import type { RandomSource } from "../../src/bank/ports.js";
import { reconcileIntents, type ReconcileResult } from "../../src/bank/reconcile.js";
import { SizeScale } from "../../src/bank/sizes.js";
import { loadLayout, parseLayout, type BankLayout } from "../../src/config/layout.js";
import { DoorSupervisor, type SupervisorSettings } from "../../src/doors/supervisor.js";
import type { DoorPosition } from "../../src/drivers/lock-bank.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { DEFAULT_LAYOUT } from "../../src/system/paths.js";
import { FakeClock } from "./clock.js";
import { SeededRandom } from "./random.js";

export const TEST_SECRET = Buffer.alloc(32, 0x5a);
export const SIZES = ["S", "M", "L"] as const;

export const DEFAULT_DOORS: SupervisorSettings = { pulseMs: 50, openTimeoutMs: 30_000, leftOpenMs: 120_000, leftOpenRepeatMs: 300_000 };

export interface TestBankOptions {
  /** Layout: the demo bank by default, or lockers as [id, size] pairs in one column. */
  lockers?: readonly (readonly [string, string])[];
  digits?: number;
  policy?: Partial<BankPolicy>;
  doors?: Partial<SupervisorSettings>;
  random?: RandomSource;
  clock?: FakeClock;
  /** Reuse a database file (restarts); a fresh temp dir otherwise. */
  dir?: string;
  /** Door positions the sensors report at start (restarts). */
  doorsAtStart?: Record<string, DoorPosition>;
}

export interface TestBank {
  dir: string;
  dbPath: string;
  ctx: BankContext;
  store: Store;
  sim: SimLockBank;
  supervisor: DoorSupervisor;
  clock: FakeClock;
  layout: BankLayout;
  /** Errors the supervisor swallowed while recording outcomes; tests expect none. */
  outcomeErrors: unknown[];
  reconciled: ReconcileResult[];
  assign(size: string, trackingRef?: string): Promise<Assignment>;
  /** Move a door as a person would. */
  open(lockerId: string): void;
  close(lockerId: string): void;
  /** Open and close the door of an assignment: the courier put the parcel in. */
  deposit(a: { lockerId: string }): void;
  /** Stop the supervisor and close the database, keeping the files (for reopen). */
  shutdown(): Promise<void>;
  /** Shut down, then start again on the same file with the given door positions. */
  reopen(opts?: Omit<TestBankOptions, "dir">): Promise<TestBank>;
  /** Shut down and delete the temp dir. */
  dispose(): Promise<void>;
}

export function layoutOf(lockers: readonly (readonly [string, string])[]): BankLayout {
  return parseLayout({ name: "test", columns: [{ id: "A", lockers: lockers.map(([id, size]) => ({ id, size })) }] }, SIZES, "test layout");
}

export function tempDir(prefix = "lockerd-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function createTestBank(opts: TestBankOptions = {}): Promise<TestBank> {
  const dir = opts.dir ?? tempDir();
  const dbPath = join(dir, "lockerd.db");
  const clock = opts.clock ?? new FakeClock();
  const layout = opts.lockers ? layoutOf(opts.lockers) : loadLayout(DEFAULT_LAYOUT, SIZES);
  const sizes = new SizeScale(SIZES);
  const store = new Store(openDatabase(dbPath), () => clock.isSynchronised());
  const problems = store.write(() =>
    store.lockers.applyLayout(layout.lockers.map((l, i) => ({ id: l.id, size: l.size, sizeRank: sizes.rankOf(l.size), position: i })), clock.now()),
  );
  if (problems.length) throw new Error(problems.join("; "));

  const sim = new SimLockBank({ lockerIds: layout.lockers.map((l) => l.id), person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
  for (const [id, pos] of Object.entries(opts.doorsAtStart ?? {})) sim.setDoor(id, pos);
  const outcomeErrors: unknown[] = [];
  const supervisor = new DoorSupervisor(sim, clock, { ...DEFAULT_DOORS, ...opts.doors }, (e) => outcomeErrors.push(e));
  const ctx: BankContext = {
    store,
    clock,
    random: opts.random ?? new SeededRandom(42),
    codes: new CodeBook(TEST_SECRET, opts.digits ?? 8),
    sizes,
    doors: supervisor,
    policy: { pickupWindowMs: 72 * 3_600_000, maxFailedOpens: 3, ...opts.policy },
  };
  await supervisor.start(bankDoorOutcomes(ctx));
  const reconciled = reconcileIntents(ctx, (id) => supervisor.position(id), (id, intent) => supervisor.adoptOpen(id, intent));

  let down = false;
  const shutdown = async () => {
    if (down) return;
    down = true;
    await supervisor.stop();
    store.close();
  };
  const bank: TestBank = {
    dir,
    dbPath,
    ctx,
    store,
    sim,
    supervisor,
    clock,
    layout,
    outcomeErrors,
    reconciled,
    assign: (size, trackingRef) => assignLocker(ctx, { size, trackingRef: trackingRef ?? null }),
    open: (id) => sim.setDoor(id, "open"),
    close: (id) => sim.setDoor(id, "closed"),
    deposit(a) {
      sim.setDoor(a.lockerId, "open");
      sim.setDoor(a.lockerId, "closed");
    },
    shutdown,
    async reopen(more = {}) {
      await shutdown();
      return createTestBank({ lockers: opts.lockers, digits: opts.digits, policy: opts.policy, doors: opts.doors, clock, ...more, dir });
    },
    async dispose() {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return bank;
}

/** Event types in log order, optionally only those after a sequence number. */
export function eventTypes(store: Store, afterSeq = 0): string[] {
  return store.events.after(afterSeq, 100_000).map((e) => e.type);
}
