/**
 * A bank for benchmarks: the real store on a real file with the production durability
 * settings, the real door supervisor, and the simulated lock bank with doors moved by code.
 */
import { DEFAULT_ATTEMPTS } from "../../src/bank/attempts.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodeBook } from "../../src/bank/codes.js";
import type { BankContext } from "../../src/bank/context.js";
import { bankDoorOutcomes } from "../../src/bank/door-events.js";
import { cryptoRandom } from "../../src/bank/ports.js";
import { SizeScale } from "../../src/bank/sizes.js";
import { loadLayout } from "../../src/config/layout.js";
import { DoorSupervisor } from "../../src/doors/supervisor.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { createSystemClock } from "../../src/system/clock.js";
import { DEFAULT_LAYOUT } from "../../src/system/paths.js";

export interface BenchBank {
  ctx: BankContext;
  sim: SimLockBank;
  dir: string;
  dbPath: string;
  /** Open and close a door as a person would. */
  cycleDoor(lockerId: string): void;
  close(): Promise<void>;
}

export async function openBenchBank(dbPath?: string): Promise<BenchBank> {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-bench-"));
  const path = dbPath ?? join(dir, "bench.db");
  const sizes = new SizeScale(["S", "M", "L"]);
  const layout = loadLayout(DEFAULT_LAYOUT, sizes.sizes);
  const clock = createSystemClock();
  const store = new Store(openDatabase(path), () => true);
  store.write(() => store.lockers.applyLayout(layout.lockers.map((l, i) => ({ id: l.id, size: l.size, sizeRank: sizes.rankOf(l.size), position: i })), clock.now()));
  const sim = new SimLockBank({ lockerIds: layout.lockers.map((l) => l.id), person: { enabled: false, openDelayMs: 0, closeDelayMs: 0 } });
  const supervisor = new DoorSupervisor(sim, clock, {
      pulseMs: 500,
      openTimeoutMs: 60_000,
      leftOpenMs: 600_000,
      leftOpenRepeatMs: 600_000,
      // The benchmark opens and closes doors far faster than any person: no flap detection.
      flapMaxChanges: Number.MAX_SAFE_INTEGER,
    }, (e) => {
    throw e;
  });
  const ctx: BankContext = {
    store,
    clock,
    random: cryptoRandom,
    codes: new CodeBook(Buffer.alloc(32, 7), 8),
    sizes,
    doors: supervisor,
    policy: { pickupWindowMs: 72 * 3_600_000, maxFailedOpens: 3, attempts: DEFAULT_ATTEMPTS },
  };
  await supervisor.start(bankDoorOutcomes(ctx));
  return {
    ctx,
    sim,
    dir,
    dbPath: path,
    cycleDoor(id) {
      sim.setDoor(id, "open");
      sim.setDoor(id, "closed");
    },
    async close() {
      await supervisor.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
