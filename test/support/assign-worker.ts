/**
 * A second (third, ...) OS process working on the same bank file, for the multi-process tests.
 * It opens the database itself (migrations and layout included), prints "ready", waits for
 * "go" on stdin, then runs `rounds` of assign → deposit or abandoned deposit → pickup, and
 * prints one JSON line: what it did. The door hardware is the one thing faked: doors "move"
 * by calling the outcome use cases directly.
 *
 * usage: node --import tsx test/support/assign-worker.ts <db> <rounds> <seed> [busyTimeoutMs]
 * A short busy timeout makes "busy" answers common: each must have changed nothing.
 */
import { createInterface } from "node:readline";
import { assignLocker } from "../../src/bank/assign.js";
import { DEFAULT_ATTEMPTS } from "../../src/bank/attempts.js";
import { CodeBook } from "../../src/bank/codes.js";
import type { BankContext, DoorCommander } from "../../src/bank/context.js";
import { doorClosed, doorDidNotOpen, doorOpened } from "../../src/bank/door-outcomes.js";
import { isLockerdError } from "../../src/basics/errors.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { cryptoRandom } from "../../src/basics/ports.js";
import { SizeScale } from "../../src/bank/sizes.js";
import { loadLayout } from "../../src/config/layout.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { createSystemClock } from "../../src/system/clock.js";
import { DEFAULT_LAYOUT } from "../../src/system/paths.js";
import { SeededRandom } from "./random.js";
import { SIZES, TEST_SECRET } from "./bank.js";

export interface WorkerReport {
  pid: number;
  assigned: { parcelId: string; lockerId: string; outcome: "picked_up" | "abandoned" | "stored" }[];
  noLocker: number;
  busy: number;
}

const [dbPath, roundsArg, seedArg, busyArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 50);
const choose = new SeededRandom(Number(seedArg ?? 1));

/** Retry a write the database answered "busy"; count each busy answer. */
async function retryBusy<T>(report: WorkerReport, fn: () => T | Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!isLockerdError(e, "STORAGE_BUSY")) throw e;
      report.busy++;
    }
  }
}

async function main(): Promise<void> {
  const clock = createSystemClock("/nonexistent");
  const sizes = new SizeScale(SIZES);
  const layout = loadLayout(DEFAULT_LAYOUT, SIZES);
  const report: WorkerReport = { pid: process.pid, assigned: [], noLocker: 0, busy: 0 };
  const store = new Store(openDatabase(dbPath!));
  await retryBusy(report, () =>
    store.write(() => store.lockers.applyLayout(layout.lockers.map((l, i) => ({ id: l.id, size: l.size, sizeRank: sizes.rankOf(l.size), position: i })), clock.now())),
  );
  // Set up with the normal patience, then work with the configured one.
  store.db.pragma(`busy_timeout = ${Number(busyArg ?? 5000)}`);
  const doors: DoorCommander = { unlock: async () => {}, unavailableLockers: () => new Set(), openUnattended: () => new Set() };
  const ctx: BankContext = { store, clock, random: cryptoRandom, codes: new CodeBook(TEST_SECRET, 8), sizes, doors, policy: {
      pickupWindowMs: 3_600_000,
      maxFailedOpens: 1000,
      attempts: DEFAULT_ATTEMPTS,
      // Abandoned deposits count as jams; this worker is about concurrency, not lock health: no
      // locker is taken out of service for its score (bank/health.ts has its own tests).
      health: { ratedCycles: 500_000, outOfServiceBelow: 0 },
    },
  };

  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.once("line", () => {
      rl.close(); // an open stdin would keep this process alive after its work
      resolve();
    });
  });

  const stored: { parcelId: string; code: string; index: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    // Half the rounds pick up a parcel this process stored, keeping the bank turning over.
    if (stored.length && choose.int(2) === 0) {
      const s = stored.splice(choose.int(stored.length), 1)[0]!;
      await retryBusy(report, () => pickupByCode(ctx, s.code, { channel: "cli", id: "worker" }));
      const intent = store.intents.active(report.assigned[s.index]!.lockerId)!;
      await retryBusy(report, () => doorOpened(ctx, intent.id));
      await retryBusy(report, () => doorClosed(ctx, intent.id));
      report.assigned[s.index]!.outcome = "picked_up";
      continue;
    }
    const size = SIZES[choose.int(SIZES.length)]!;
    let a;
    try {
      a = await assignLocker(ctx, { size, trackingRef: `w${process.pid}-${i}` });
    } catch (e) {
      if (isLockerdError(e, "NO_LOCKER_AVAILABLE")) report.noLocker++;
      else if (isLockerdError(e, "STORAGE_BUSY")) report.busy++;
      else throw e;
      continue;
    }
    const index = report.assigned.push({ parcelId: a.parcelId, lockerId: a.lockerId, outcome: "stored" }) - 1;
    if (choose.int(4) === 0) {
      await retryBusy(report, () => doorDidNotOpen(ctx, a.intentId));
      report.assigned[index]!.outcome = "abandoned";
    } else {
      await retryBusy(report, () => doorOpened(ctx, a.intentId));
      await retryBusy(report, () => doorClosed(ctx, a.intentId));
      stored.push({ parcelId: a.parcelId, code: a.pickupCode, index });
    }
  }
  store.close();
  process.stdout.write(JSON.stringify(report) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`worker: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
