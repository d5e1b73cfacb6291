/**
 * The set-up every sync test file repeats: a central database for the file, and the banks and
 * sync loops of a test, stopped and closed after it. The banks are bank.ts's with recorded doors
 * (the door supervisor needs hardware; the tests report door outcomes themselves).
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import type { BankContext } from "../../src/bank/context.js";
import { cryptoRandom } from "../../src/basics/ports.js";
import { recordedDoorsBank, type RecordedDoorsBank } from "./bank.js";
import { FakeClock } from "./clock.js";
import type { CentralLink } from "../../src/sync/central-link.js";
import { SyncLoop, type SyncHooks, type SyncSettings } from "../../src/sync/loop.js";
import { createTestCentral, type TestCentral } from "./central.js";
import { silentLog } from "./log.js";

/** The sync tests' bank: six lockers (A01-A04 small, B01-B02 medium), a clock from 1 March 2026, crypto randomness. */
export const SYNC_LOCKERS = [["A01", "S"], ["A02", "S"], ["A03", "S"], ["A04", "S"], ["B01", "M"], ["B02", "M"]] as const;
export const SYNC_START = Date.UTC(2026, 2, 1, 8, 0, 0);

/** A bank for sync tests (recorded doors: the test reports door outcomes itself); call close() or dispose() when done. */
export function syncBank(): RecordedDoorsBank {
  return recordedDoorsBank({ lockers: SYNC_LOCKERS, clock: new FakeClock(SYNC_START), random: cryptoRandom });
}

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
    link: (bank, extra) => c().link(bank, extra),
    events: (bankId) => c().events(bankId),
    project: () => c().project(),
    close: () => c().close(),
  };
}

export interface SyncParts {
  /** A new test bank, closed (and its files removed) after the test. */
  bank(): RecordedDoorsBank;
  /** A sync loop, stopped after the test. */
  loop(ctx: BankContext, link: CentralLink, settings: SyncSettings, hooks?: SyncHooks): SyncLoop;
}

/** Banks and sync loops a test makes, cleaned up after each test: call at the top of the file. */
export function useSyncParts(): SyncParts {
  const banks: RecordedDoorsBank[] = [];
  const loops: SyncLoop[] = [];
  afterEach(async () => {
    for (const l of loops.splice(0)) await l.stop();
    for (const b of banks.splice(0)) await b.dispose();
  });
  return {
    bank() {
      const b = syncBank();
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
