/**
 * A bank for benchmarks: the real store on a real file with the production durability
 * settings, the real door supervisor, and the simulated lock bank with doors moved by code.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BankContext } from "../../src/bank/context.js";
import { cryptoRandom } from "../../src/basics/ports.js";
import { createBankCore } from "../../src/compose/bank.js";
import { loadLayout } from "../../src/config/layout.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
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
  const layout = loadLayout(DEFAULT_LAYOUT, ["S", "M", "L"]);
  const sim = new SimLockBank({ lockerIds: layout.lockers.map((l) => l.id), person: { enabled: false, openDelayMs: 0, closeDelayMs: 0 } });
  const core = createBankCore({
    database: path,
    layout,
    layoutSource: DEFAULT_LAYOUT,
    sizes: ["S", "M", "L"],
    clock: createSystemClock(),
    clockSynced: () => true,
    random: cryptoRandom,
    codes: { secret: Buffer.alloc(32, 7), digits: 8 },
    policy: { pickupWindowMs: 72 * 3_600_000, maxFailedOpens: 3 },
    doors: {
      lockBank: sim,
      settings: {
        pulseMs: 500,
        openTimeoutMs: 60_000,
        leftOpenMs: 600_000,
        leftOpenRepeatMs: 600_000,
        // The benchmark opens and closes doors far faster than any person: no flap detection.
        flapMaxChanges: Number.MAX_SAFE_INTEGER,
      },
      onOutcomeError: (e) => {
        throw e;
      },
    },
  });
  const { ctx, store } = core;
  const supervisor = core.supervisor!;
  await core.start();
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
