/**
 * One way to build a bank's core: the store on its file with the layout applied, the code book,
 * the door supervisor on a lock bank (or doors the caller drives), and the context the use
 * cases are handed. The daemon, the test banks and the benchmark bank all build theirs here;
 * they differ only in what they hand in (clock, randomness, lock bank, settings).
 */
import { CodeBook } from "../bank/codes.js";
import type { BankContext, BankPolicy, DoorCommander } from "../bank/context.js";
import { bankDoorOutcomes } from "../bank/door-events.js";
import type { Clock, RandomSource } from "../basics/ports.js";
import { reconcileIntents, type ReconcileResult } from "../bank/reconcile.js";
import { SizeScale } from "../bank/sizes.js";
import { ConfigError } from "../config/errors.js";
import { isReachable, type BankLayout } from "../config/layout.js";
import { DoorSupervisor, type SupervisorSettings } from "../doors/supervisor.js";
import type { LockBank } from "../drivers/lock-bank.js";
import { openDatabase, quickCheck } from "../store/database.js";
import { Store, type DeferredFlushOptions } from "../store/store.js";
import { durableDoors } from "./durable-doors.js";

/** The hardware side: a lock bank the door supervisor drives, or doors the caller drives itself. */
export type BankDoors =
  | { lockBank: LockBank; settings: SupervisorSettings; onOutcomeError: (e: unknown, where: string) => void }
  | { commander: DoorCommander };

export interface BankCoreOptions {
  database: string;
  /** Run SQLite's quick_check first and refuse a damaged file (the daemon does). */
  integrityCheck?: boolean;
  layout: BankLayout;
  /** Where the layout came from, for the error when the database does not fit it. */
  layoutSource: string;
  sizes: readonly string[];
  clock: Clock;
  random: RandomSource;
  codes: { secret: Buffer; digits: number };
  policy: BankPolicy;
  doors: BankDoors;
  /** Whether events are stamped as taken with a synchronised clock: the clock's word by default. */
  clockSynced?: () => boolean;
  storage?: BankContext["storage"];
  couriers?: BankContext["couriers"];
  passes?: BankContext["passes"];
  /** Seal each new parcel's codes for the center's notifier (with sync and a notifier key). */
  sealCodes?: BankContext["sealCodes"];
  /**
   * The disk flush, off the event loop (Store.deferFlush; a file database only): how files are
   * flushed (tests) and how often the checkpoint thread copies the WAL.
   */
  flush?: Omit<DeferredFlushOptions, "path">;
}

export interface BankCore {
  readonly store: Store;
  readonly ctx: BankContext;
  readonly layout: BankLayout;
  /** The door supervisor, when the core drives a lock bank. */
  readonly supervisor: DoorSupervisor | null;
  /**
   * Start the doors (all outputs off, sensors read) with the bank's answers to door outcomes,
   * then reconcile door operations a restart interrupted. Nothing to do for caller-driven doors.
   */
  start(): Promise<ReconcileResult[]>;
}

/** Open the store and build the core; the caller closes the store (and stops the supervisor) when done. */
export function createBankCore(o: BankCoreOptions): BankCore {
  const db = openDatabase(o.database);
  if (o.integrityCheck) {
    const check = quickCheck(db);
    if (check.length !== 1 || check[0] !== "ok") {
      db.close();
      throw new Error(`database ${o.database} failed its integrity check: ${check.slice(0, 5).join("; ")}`);
    }
  }
  const store = new Store(db, o.clockSynced ?? (() => o.clock.isSynchronised()));
  try {
    if (!db.memory) store.deferFlush({ path: o.database, ...o.flush });
    const sizes = new SizeScale(o.sizes);
    const problems = store.write(() =>
      store.lockers.applyLayout(o.layout.lockers.map((l, i) => ({ id: l.id, size: l.size, sizeRank: sizes.rankOf(l.size), position: i, reachable: isReachable(l) })), o.clock.now()),
    );
    if (problems.length) throw new ConfigError(o.layoutSource, problems);
    const supervisor = "lockBank" in o.doors ? new DoorSupervisor(o.doors.lockBank, o.clock, o.doors.settings, o.doors.onOutcomeError) : null;
    const ctx: BankContext = {
      store,
      clock: o.clock,
      random: o.random,
      codes: new CodeBook(o.codes.secret, o.codes.digits),
      sizes,
      doors: durableDoors(store, supervisor ?? (o.doors as { commander: DoorCommander }).commander),
      policy: o.policy,
      ...(o.storage ? { storage: o.storage } : {}),
      ...(o.couriers ? { couriers: o.couriers } : {}),
      ...(o.passes ? { passes: o.passes } : {}),
      ...(o.sealCodes ? { sealCodes: o.sealCodes } : {}),
    };
    return {
      store,
      ctx,
      layout: o.layout,
      supervisor,
      async start() {
        if (!supervisor) return [];
        await supervisor.start(bankDoorOutcomes(ctx));
        return reconcileIntents(ctx, (id) => supervisor.position(id), (id, intent) => supervisor.adoptOpen(id, intent));
      },
    };
  } catch (e) {
    store.close();
    throw e;
  }
}
