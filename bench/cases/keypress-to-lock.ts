/**
 * Keypress to lock: from the final Enter of a valid code arriving at the keypad's HID decoder
 * to the unlock command leaving the lock driver, through the whole daemon (decoder, customer
 * session, attempt limiter, pickup use case with its FULL-sync SQLite transaction, door
 * supervisor, driver). Idle, and while the HTTP API is flooded with assignments and the sync
 * loop is catching up a backlog into PostgreSQL in the same process.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { assignLocker } from "../../src/bank/assign.js";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import { HidKeypad } from "../../src/input/hid-keypad.js";
import { Keymap } from "../../src/input/keymap.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { createLogger } from "../../src/system/logger.js";
import { DEFAULT_LAYOUT } from "../../src/system/paths.js";
import { loadLayout } from "../../src/config/layout.js";
import { FakeHid, type FakeHidDevice } from "../../test/support/fake-hid.js";
import { startBenchCentral, type BenchCentral } from "../support/central.js";
import type { Benchmark, BenchResult } from "../support/result.js";
import { nowMs, summarise } from "../support/stats.js";
import { round } from "./allocation.js";
import { fillOutbox } from "./sync-catchup.js";

/** The simulated bank, noting when each unlock command leaves for the hardware. */
class TimedSimBank extends SimLockBank {
  waiting: ((at: number) => void) | null = null;
  override async unlock(lockerId: string, pulseMs: number): Promise<void> {
    const at = nowMs();
    const p = super.unlock(lockerId, pulseMs);
    this.waiting?.(at);
    return p;
  }
}

// Top-row digits 1..9, 0 are HID usages 0x1E..0x27; Enter is 0x28.
const usageOf = (digit: string) => (digit === "0" ? 0x27 : 0x1d + Number(digit));
const press = (usage: number) => [0, 0, usage, 0, 0, 0, 0, 0];
const RELEASE = [0, 0, 0, 0, 0, 0, 0, 0];

interface Rig {
  daemon: Daemon;
  bank: TimedSimBank;
  keypad: FakeHidDevice;
  dir: string;
}

async function startRig(central: BenchCentral | null, backlog: number): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-bench-key-"));
  const config: Record<string, unknown> = {
    dataDir: dir,
    http: { port: 0, socket: false },
    // Doors are moved by the benchmark at once: no settle time, no flap detection.
    doors: { sensorSettleMs: 0, flapWindowMs: 1, flapMaxChanges: 1000 },
    log: { level: "silent" },
  };
  if (central) {
    const b = central.bank;
    writeFileSync(join(dir, "pw"), b.password + "\n", { mode: 0o600 });
    writeFileSync(join(dir, "key"), b.key + "\n", { mode: 0o600 });
    config.bank = { id: b.bankId };
    config.sync = {
      enabled: true,
      host: b.host,
      port: b.port,
      database: b.database,
      user: b.role,
      passwordFile: join(dir, "pw"),
      keyFile: join(dir, "key"),
      tls: "disable",
      intervalMs: 50,
      batchSize: 5000,
    };
  }
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  const cfg = loadConfig({ path: join(dir, "config.json"), env: {} });
  const layout = loadLayout(DEFAULT_LAYOUT, cfg.bank.sizes);
  const bank = new TimedSimBank({ lockerIds: layout.lockers.map((l) => l.id), person: { enabled: false, openDelayMs: 0, closeDelayMs: 0 } });
  const hid = new FakeHid();
  const keypad = hid.add({ path: "bench-keypad", vendorId: 0x1234, productId: 0x5678, usagePage: 0x01 });
  const pad = new HidKeypad(hid, { match: { path: "bench-keypad" }, keymap: new Keymap() }, createLogger({ level: "silent", pretty: false }));
  if (backlog > 0) {
    // The backlog is written before the daemon starts, as after days offline.
    const { openDatabase } = await import("../../src/store/database.js");
    const db = openDatabase(cfg.paths.database);
    fillOutbox(db, backlog);
    db.close();
  }
  const daemon = await startDaemon(cfg, createLogger({ level: "silent", pretty: false }), { lockBank: bank, input: { keypad: pad, scanner: null, indicator: new SimIndicator() } });
  await new Promise((r) => setTimeout(r, 50)); // the keypad connects
  return { daemon, bank, keypad, dir };
}

/** One customer: a stored parcel, its code typed, Enter timed until the unlock leaves. */
async function oneSample(rig: Rig): Promise<number> {
  const a = await assignLocker(rig.daemon.ctx, { size: "S" });
  rig.bank.setDoor(a.lockerId, "open");
  rig.bank.setDoor(a.lockerId, "closed");
  for (const d of a.pickupCode) rig.keypad.send(press(usageOf(d)), RELEASE);
  const unlocked = new Promise<number>((resolve) => (rig.bank.waiting = resolve));
  const t0 = nowMs();
  rig.keypad.send(press(0x28));
  const at = await unlocked;
  rig.bank.waiting = null;
  rig.keypad.send(RELEASE);
  await rig.daemon.kiosk.settled();
  rig.bank.setDoor(a.lockerId, "open");
  rig.bank.setDoor(a.lockerId, "closed");
  return at - t0;
}

/** Couriers hammering the API: assign, then cancel (the locker frees at once). */
async function flood(url: string, until: () => boolean): Promise<number> {
  let n = 0;
  while (!until()) {
    const r = await fetch(`${url}/lockers/assign`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ size: "L" }) });
    const body = (await r.json()) as { parcelId?: string };
    if (body.parcelId) await fetch(`${url}/packages/${body.parcelId}/cancel`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    n++;
  }
  return n;
}

export const keypressToLock: Benchmark = async ({ quick, log }) => {
  const samples = quick ? 30 : 500;
  const results: BenchResult[] = [];

  const idle = await startRig(null, 0);
  try {
    for (let i = 0; i < 20; i++) await oneSample(idle);
    const t: number[] = [];
    for (let i = 0; i < samples; i++) t.push(await oneSample(idle));
    const s = summarise(t);
    results.push({ name: "keypress_to_lock_ms.idle", value: round(s.median, 3), unit: "ms", p99: round(s.p99, 3), samples: s.n, target: "p99 < 5", met: s.p99 < 5 });
  } finally {
    await idle.daemon.stop();
    rmSync(idle.dir, { recursive: true, force: true });
  }

  const central = await startBenchCentral("benchkey");
  const loaded = await startRig(central, quick ? 20_000 : 100_000);
  try {
    for (let i = 0; i < 20; i++) await oneSample(loaded);
    let done = false;
    const flooding = Promise.all([flood(loaded.daemon.url!, () => done), flood(loaded.daemon.url!, () => done)]);
    await new Promise((r) => setTimeout(r, 300)); // the flood and the sync loop get going
    const t: number[] = [];
    // A real keypad's report arrives as an I/O callback and first waits for the event loop:
    // the samples start at the decoder and cannot show that wait, so it is reported beside them.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const backlogAtStart = loaded.daemon.sync!.status().backlog;
    for (let i = 0; i < samples; i++) {
      t.push(await oneSample(loaded));
      await new Promise((r) => setTimeout(r, 10)); // spread the samples over the load
    }
    loopDelay.disable();
    const backlogAtEnd = loaded.daemon.sync!.status().backlog;
    done = true;
    const requests = (await flooding).reduce((a, b) => a + b, 0);
    const s = summarise(t);
    const loopP99 = round(loopDelay.percentile(99) / 1e6, 1);
    const loopMax = round(loopDelay.max / 1e6, 1);
    log(`  under load: ${requests} assign+cancel rounds over HTTP, sync backlog ${backlogAtStart} → ${backlogAtEnd} during the samples, event loop delay p99 ${loopP99} ms (max ${loopMax} ms)`);
    results.push({ name: "keypress_to_lock_ms.under_load", value: round(s.median, 3), unit: "ms", p99: round(s.p99, 3), samples: s.n, floodRounds: requests, syncBacklogStart: backlogAtStart, syncBacklogEnd: backlogAtEnd, eventLoopDelayP99Ms: loopP99, eventLoopDelayMaxMs: loopMax, target: "p99 < 5", met: s.p99 < 5 });
  } finally {
    await loaded.daemon.stop();
    rmSync(loaded.dir, { recursive: true, force: true });
    central.stop();
  }
  return results;
};
