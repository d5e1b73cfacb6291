/**
 * @deprecated The sync set-up is sync-parts.ts and its banks are bank.ts's (recorded doors). This
 * is the old API over them, kept so tests written before the merge still compile.
 */
import type { BankContext } from "../../src/bank/context.js";
import type { RecordingDoors } from "./bank.js";
import { FakeClock } from "./clock.js";
import { SYNC_START, syncBank } from "./sync-parts.js";

export { silentLog, syncSettings, useSyncParts, useTestCentral, SYNC_LOCKERS } from "./sync-parts.js";
export { recordingDoors as fakeDoors, type RecordingDoors as FakeDoors } from "./bank.js";
export type TestClock = FakeClock;
export const testClock = (start = SYNC_START): TestClock => new FakeClock(start);
export const LOCKERS = ["A01", "A02", "A03", "A04", "B01", "B02"];

export interface TestBank {
  dir: string;
  dbPath: string;
  ctx: BankContext;
  clock: FakeClock;
  doors: RecordingDoors;
  /** Open the same SQLite file again (a restarted daemon): the bank's ctx from now on. */
  reopen(): BankContext;
  close(): void;
}

export function createTestBank(): TestBank {
  const b = syncBank();
  return {
    dir: b.dir,
    dbPath: b.dbPath,
    get ctx() {
      return b.ctx;
    },
    clock: b.clock,
    doors: b.doors,
    reopen: () => b.reopen().ctx,
    close: () => b.shutdown(),
  };
}
