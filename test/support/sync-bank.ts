/**
 * A bank for sync tests: a real SQLite file in a temp dir, the real use cases, a clock the test
 * moves, and a door commander standing in for the door supervisor (which needs hardware). Also
 * the set-up every sync test file repeats: a central database for the file, and the banks and
 * sync loops of a test, stopped and closed after it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll } from "vitest";
import { CodeBook } from "../../src/bank/codes.js";
import type { BankContext, DoorCommander } from "../../src/bank/context.js";
import { cryptoRandom, type Clock } from "../../src/bank/ports.js";
import { SizeScale } from "../../src/bank/sizes.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import type { CentralLink } from "../../src/sync/central-link.js";
import { SyncLoop, type SyncHooks, type SyncSettings } from "../../src/sync/loop.js";
import { createTestCentral, type TestCentral } from "./central.js";

export interface TestClock extends Clock {
  t: number;
  synced: boolean;
  advance(ms: number): void;
}

export function testClock(start = Date.UTC(2026, 2, 1, 8, 0, 0)): TestClock {
  const c: TestClock = {
    t: start,
    synced: true,
    now: () => c.t,
    after: () => ({ cancel() {} }),
    isSynchronised: () => c.synced,
    advance(ms) {
      c.t += ms;
    },
  };
  return c;
}

export interface FakeDoors extends DoorCommander {
  unlocked: { lockerId: string; intentId: number }[];
}

export function fakeDoors(): FakeDoors {
  const unlocked: { lockerId: string; intentId: number }[] = [];
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

export interface TestBank {
  dir: string;
  dbPath: string;
  ctx: BankContext;
  clock: TestClock;
  doors: FakeDoors;
  /** Open the same SQLite file again (a restarted daemon). */
  reopen(): BankContext;
  close(): void;
}

export const LOCKERS = ["A01", "A02", "A03", "A04", "B01", "B02"];

export function createTestBank(): TestBank {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-sync-"));
  const dbPath = join(dir, "lockerd.db");
  const clock = testClock();
  const doors = fakeDoors();
  const secret = Buffer.alloc(32, 7);
  const sizes = new SizeScale(["S", "M", "L"]);
  const stores: Store[] = [];
  const open = (): BankContext => {
    const store = new Store(openDatabase(dbPath), () => clock.isSynchronised());
    stores.push(store);
    store.write(() =>
      store.lockers.applyLayout(
        LOCKERS.map((id, i) => ({ id, size: id.startsWith("A") ? "S" : "M", sizeRank: id.startsWith("A") ? 0 : 1, position: i })),
        clock.now(),
      ),
    );
    return {
      store,
      clock,
      random: cryptoRandom,
      codes: new CodeBook(secret, 8),
      sizes,
      doors,
      policy: { pickupWindowMs: 72 * 3_600_000, maxFailedOpens: 3 },
    };
  };
  const ctx = open();
  return {
    dir,
    dbPath,
    ctx,
    clock,
    doors,
    reopen: open,
    close() {
      for (const s of stores) if (s.db.open) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const silentLog = pino({ level: "silent" });

/**
 * A migrated central database for the whole test file: call at the top of the file. It is made
 * in beforeAll and dropped in afterAll; the object returned reaches it once tests run.
 */
export function useTestCentral(adminUrl?: string): TestCentral {
  let central: TestCentral | undefined;
  beforeAll(async () => {
    central = await createTestCentral(adminUrl);
  });
  afterAll(async () => {
    await central?.close();
    central = undefined;
  });
  const c = (): TestCentral => {
    if (!central) throw new Error("the test central database exists only while the file's tests run");
    return central;
  };
  return {
    get db() {
      return c().db;
    },
    addBank: (bankId) => c().addBank(bankId),
    link: (url, extra) => c().link(url, extra),
    events: (bankId) => c().events(bankId),
    close: () => c().close(),
  };
}

export interface SyncParts {
  /** A new test bank, closed (and its files removed) after the test. */
  bank(): TestBank;
  /** A sync loop, stopped after the test. */
  loop(ctx: BankContext, link: CentralLink, settings: SyncSettings, hooks?: SyncHooks): SyncLoop;
}

/** Banks and sync loops a test makes, cleaned up after each test: call at the top of the file. */
export function useSyncParts(): SyncParts {
  const banks: TestBank[] = [];
  const loops: SyncLoop[] = [];
  afterEach(async () => {
    for (const l of loops.splice(0)) await l.stop();
    for (const b of banks.splice(0)) b.close();
  });
  return {
    bank() {
      const b = createTestBank();
      banks.push(b);
      return b;
    },
    loop(ctx, link, settings, hooks) {
      const l = new SyncLoop({ ctx, link, log: silentLog, hooks }, settings);
      loops.push(l);
      return l;
    },
  };
}

/** Sync settings for tests: a minute between rounds and no command polling, unless a test says otherwise. */
export function syncSettings(bankId: string, over: Partial<SyncSettings> = {}): SyncSettings {
  return { bankId, batchSize: 5000, intervalMs: 60_000, backoffMinMs: 10, backoffMaxMs: 100, retentionMs: 30 * 86_400_000, commandPollMs: 0, ...over };
}
