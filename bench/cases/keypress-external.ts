/**
 * Keypress to unlock, measured from outside the daemon (the figure a customer feels): this
 * process types a code on the keypad (or scans a pickup token on the serial scanner) and
 * timestamps the write of the final key; the daemon, another process, drives CU16 lock boards
 * over a pty whose other end this process reads; the latency ends when the unlock frame
 * arrives. See bench/support/external-rig.ts for the wiring.
 *
 * Idle, and under load: two clients (other processes) flooding the API with assignments, the
 * sync loop catching up a 100,000-event backlog into the central PostgreSQL on this machine,
 * then pruning what it sent (retention of about a second), and the expiry sweep every second.
 * The daemon's own event loop delay is reported beside each.
 *
 * Profiles: "vm" (this machine as it is) and "pi" (pi-profile.ts: fsync/fdatasync delayed as
 * on a Raspberry Pi's microSD card, CPU cut to a Pi's share). Flash wear (bytes written per
 * parcel, from /proc/<pid>/io) is measured in the vm profile.
 */
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createBank } from "../../src/central/banks.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { startBenchCentral, type BenchCentral } from "../support/central.js";
import { ExternalRig, wireOf, type LoopDelay, type Profile } from "../support/external-rig.js";
import type { LoopStall } from "../support/loop-stalls.js";
import { networkGroup, postmasterPid, type NetworkGroup } from "../support/network-cgroup.js";
import { piProfile } from "../support/pi-profile.js";
import { makeCgroup } from "../support/cgroup.js";
import { unitScheduling } from "../support/unit-scheduling.js";
import { breakdown, describe, tailAndAll, type Breakdown } from "../support/stage-breakdown.js";
import type { Benchmark, BenchResult } from "../support/result.js";
import { nowMs, summarise } from "../support/stats.js";
import { round } from "./allocation.js";
import { fillOutbox } from "./sync-catchup.js";

interface Parcel {
  parcelId: string;
  lockerId: string;
  pickupCode: string;
  pickupToken: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stored parcels ready for a customer, kept topped up from the free S and M lockers. */
class Pool {
  readonly ready: Parcel[] = [];
  private filling = 0;
  private stopped = false;
  private refiller: Promise<void> | null = null;
  private error: unknown = null;

  constructor(
    private readonly rig: ExternalRig,
    private readonly target: number,
  ) {}

  /** Assign one parcel (its door opens, the simulated person deposits) and wait until it is stored. */
  async addOne(): Promise<boolean> {
    for (const size of ["S", "M"]) {
      const r = await this.rig.post("/lockers/assign", { size });
      if (r.status >= 300) continue;
      const p = r.body as unknown as Parcel;
      if (wireOf(p.lockerId).board > 3) {
        // a bigger locker than asked for (no S or M free): give it back
        await this.rig.post(`/packages/${p.parcelId}/cancel`, {});
        return false;
      }
      for (let i = 0; i < 50; i++) {
        await sleep(200);
        const s = await this.rig.get(`/packages/${p.parcelId}`);
        if (String(s.status).toLowerCase() === "stored") {
          this.ready.push(p);
          return true;
        }
      }
      return false;
    }
    return false;
  }

  async fill(): Promise<void> {
    while (this.ready.length < this.target) {
      const wave = Math.min(8, this.target - this.ready.length);
      const ok = await Promise.all(Array.from({ length: wave }, () => this.addOne()));
      if (!ok.some(Boolean)) await sleep(200);
    }
  }

  /** Keep topping up in the background until stop(). */
  keepFull(): void {
    this.refiller = (async () => {
      while (!this.stopped) {
        // a few at a time: the refill is a courier's pace, not part of the measured load
        if (this.ready.length + this.filling < this.target && this.filling < 8) {
          this.filling++;
          void this.addOne()
            .catch((e: unknown) => (this.error ??= e))
            .finally(() => this.filling--);
        }
        await sleep(50);
      }
    })();
  }

  async take(): Promise<Parcel> {
    for (let i = 0; i < 400; i++) {
      if (this.error) throw this.error;
      const p = this.ready.shift();
      if (p) return p;
      await sleep(25);
    }
    throw new Error("no stored parcel became ready within 10 s");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.refiller;
    while (this.filling > 0) await sleep(20);
  }
}

type Via = "keypad" | "scanner";

/**
 * The customer's time from one key to the next (BENCH_KEYPRESS_KEY_MS; 0 types the whole code
 * and Enter back to back, as runs before 2026-12-06 evening did). People press a keypad's next
 * key 0.2 to 1 s after the last; 50 ms is four times faster than the quickest of them, long
 * enough for what the bank does while a person types (the line held from a whole code typed)
 * to act, short enough to keep a run's length. Latency is still from the write of Enter.
 */
function keyMsFromEnv(): number {
  const v = process.env.BENCH_KEYPRESS_KEY_MS ?? "50";
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 2000) throw new Error(`BENCH_KEYPRESS_KEY_MS: ${JSON.stringify(v)} is not a whole number of ms from 0 to 2000`);
  return n;
}

/**
 * One customer: the final key (or the scan) written → the unlock frame on the board's line,
 * with the daemon's stage marks and work spans over that window and the threads' run-queue waits.
 */
async function sample(rig: ExternalRig, p: Parcel, via: Via, keyMs: number): Promise<Breakdown> {
  const unlocked = rig.unlockOf(p.lockerId);
  const s0 = rig.schedWait();
  const t0 = via === "keypad" ? await rig.typeCode(p.pickupCode, keyMs) : await rig.scan(p.pickupToken);
  const at = await unlocked;
  const s1 = rig.schedWait();
  const trace = await rig.trace(t0 - 1, at);
  const record = trace.records.filter((r) => r.lockerId === p.lockerId).at(-1) ?? null;
  return breakdown({ via, t0, at, record, spans: trace.spans, schedDaemonMs: s1.daemon - s0.daemon, schedRigMs: s1.rig - s0.rig });
}

interface Run {
  /** Samples whose unlock frame never came (the daemon's log says why): reported, not timed. */
  missed: number;
  keypad: number[];
  scanner: number[];
  /** Every sample taken apart (stage-breakdown.ts). */
  stages: Breakdown[];
  loop: LoopDelay;
}

async function sampleRun(rig: ExternalRig, pool: Pool, n: number, until: () => boolean, maxMs: number, keyMs: number): Promise<Run> {
  const run: Run = { keypad: [], scanner: [], stages: [], missed: 0, loop: { p50: 0, p99: 0, max: 0, samples: 0 } };
  await rig.resetLoopDelay();
  const t0 = nowMs();
  for (let i = 0; (i < n || !until()) && nowMs() - t0 < maxMs; i++) {
    const via: Via = i % 2 === 0 ? "keypad" : "scanner";
    const p = await pool.take();
    try {
      const b = await sample(rig, p, via, keyMs);
      run[via].push(b.totalMs);
      run.stages.push(b);
    } catch (e) {
      run.missed++;
      const w = wireOf(p.lockerId);
      const lately = rig.traffic.filter((f) => nowMs() - f.at < 11_000 && parseInt(f.hex.slice(2, 4), 16) >> 4 === w.board).slice(-12);
      process.stderr.write(
        `  missed a sample (${via}, ${p.lockerId}, board ${w.board} channel ${w.channel}): ${(e as Error).message}\n` +
          `    board ${w.board}'s last frames: ${lately.map((f) => `${(f.at % 100_000).toFixed(0)} ${f.dir} ${f.hex}`).join(", ")}\n` +
          `    the daemon's log from its last line naming ${p.lockerId}:\n` +
          rig.daemonLog
            .slice(Math.max(0, rig.daemonLog.length - 1 - [...rig.daemonLog].reverse().findIndex((l) => l.includes(p.lockerId))))
            .slice(0, 60)
            .map((l) => `      ${l}\n`)
            .join("") +
          `    the daemon's last events at ${p.lockerId}:\n` +
          (((await rig.get(`/events?locker=${p.lockerId}&order=desc&limit=8`).catch(() => ({ events: [] }))).events ?? []) as unknown[])
            .map((e) => `      ${JSON.stringify(e)}\n`)
            .join(""),
      );
    }
    await sleep(15); // a new customer steps up
  }
  run.loop = await rig.loopDelay();
  return run;
}

/** The run's stages: mean over all samples and over the slowest 5%; the slowest few to the log; every sample to BENCH_STAGES_FILE. */
function stageFigures(name: string, run: Run, log: (l: string) => void): BenchResult[] {
  const { all, tail } = tailAndAll(run.stages);
  const slowest = [...run.stages].sort((a, b) => b.totalMs - a.totalMs).slice(0, 6);
  log(`  ${name}: mean stages (ms) of all ${JSON.stringify(all)}\n    of the slowest 5% ${JSON.stringify(tail)}\n    slowest:\n${slowest.map((b) => `      ${describe(b)}`).join("\n")}`);
  const file = process.env.BENCH_STAGES_FILE;
  if (file) appendFileSync(file, run.stages.map((b) => JSON.stringify({ run: name, ...b }) + "\n").join(""));
  return [
    { name: `${name}.stages_all`, value: all.totalMs!, unit: "ms mean", ...all },
    { name: `${name}.stages_slowest_5pct`, value: tail.totalMs!, unit: "ms mean", ...tail },
  ];
}

function figures(name: string, run: Run, extra: Record<string, unknown>, target: { p99: number } | null): BenchResult[] {
  const out: BenchResult[] = [];
  for (const via of ["keypad", "scanner"] as const) {
    const s = summarise(run[via]);
    out.push({
      name: `${name}.${via}`,
      value: round(s.median, 2),
      unit: "ms",
      p99: round(s.p99, 2),
      max: round(s.max, 2),
      samples: s.n,
      missed: run.missed,
      eventLoopDelayP99Ms: round(run.loop.p99, 2),
      eventLoopDelayMaxMs: round(run.loop.max, 2),
      ...extra,
      ...(target ? { target: `p99 < ${target.p99} ms`, met: s.p99 < target.p99 } : {}),
    });
  }
  return out;
}

/** A flooding client in its own process (elsewhere on the network: see network-cgroup.ts); stop() ends it and resolves with its rounds. */
function flooder(url: string, token: string, net: NetworkGroup): { stop(): Promise<number> } {
  const child = spawn(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "bench/support/flood-client.ts"), url, token], { cwd: PACKAGE_ROOT, stdio: ["pipe", "pipe", "inherit"] });
  if (child.pid) net.add(child.pid);
  const rounds = new Promise<number>((resolve) => {
    createInterface({ input: child.stdout! }).on("line", (l) => resolve((JSON.parse(l) as { rounds: number }).rounds));
    child.once("exit", () => resolve(0));
  });
  return {
    stop: () => {
      child.stdin!.end();
      return rounds;
    },
  };
}

function describeStall(s: LoopStall): string {
  const work = Object.entries(s.work).map(([k, v]) => `${k} ${v}`).join(", ");
  return `${s.ms} ms (on a core ${s.onCpuMs}, waiting for one ${s.waitMs}${work ? `; own work ${work}` : ""})`;
}

/**
 * An empty node process measuring its own event loop delay over the same window: what the
 * machine's scheduling alone costs any process (on a shared, loaded machine, a lot).
 */
function bareLoop(): { stop(): Promise<LoopDelay> } {
  const code = `const h = require("node:perf_hooks").monitorEventLoopDelay({ resolution: 1 }); h.enable();
process.stdin.on("end", () => { process.stdout.write(JSON.stringify({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, samples: h.count }) + "\\n"); process.exit(0); }).resume();`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["pipe", "pipe", "inherit"] });
  const result = new Promise<LoopDelay>((resolve) => createInterface({ input: child.stdout! }).once("line", (l) => resolve(JSON.parse(l) as LoopDelay)));
  return {
    stop: () => {
      child.stdin!.end();
      return result;
    },
  };
}

/**
 * After each flash-wear phase: the bank quiet long enough for the checkpoint it takes after its
 * last commits (Checkpointer, 5 s), so each phase carries the copy of its own pages into the
 * database file, as on a bank where the steps of a parcel are minutes apart. Runs before
 * 2026-12-06 20:00 waited 300 ms, and that checkpoint fell in whichever phase its timer did.
 */
const CHECKPOINT_SETTLE_MS = 6000;

/** Bytes the daemon wrote to storage for one parcel's life, phase by phase (vm profile only). */
async function flashWear(central: BenchCentral, log: (l: string) => void, quick: boolean): Promise<BenchResult[]> {
  const k = quick ? 8 : 32;
  const admin = await central.admin();
  const creds = await createBank(admin, { bankId: `benchflash${process.pid}` }).finally(() => admin.end());
  const rig = new ExternalRig({ sync: { ...central.bank, user: central.bank.role, password: central.bank.password, bankId: creds.bankId, key: creds.key }, syncIntervalMs: 3_600_000 });
  const perParcel: Record<string, { writeBytes: number; wchar: number }> = {};
  try {
    await rig.start();
    await sleep(CHECKPOINT_SETTLE_MS); // the first sync cycle (the lockers snapshot) is done, and checkpointed
    rig.person(false);
    const phase = async (name: string, work: () => Promise<void>) => {
      const a = rig.io();
      await work();
      await sleep(CHECKPOINT_SETTLE_MS);
      const b = rig.io();
      perParcel[name] = { writeBytes: (b.writeBytes - a.writeBytes) / k, wchar: (b.wchar - a.wchar) / k };
    };
    const parcels: Parcel[] = [];
    await phase("assign", async () => {
      for (let i = 0; i < k; i++) {
        const r = await rig.post("/lockers/assign", { size: i % 2 ? "S" : "M" });
        parcels.push(r.body as unknown as Parcel);
      }
    });
    const cycleDoors = async () => {
      for (const p of parcels) rig.door(p.lockerId, true);
      await sleep(300);
      for (const p of parcels) rig.door(p.lockerId, false);
      await sleep(300);
    };
    await phase("deposit", cycleDoors);
    await phase("pickup", async () => {
      for (const p of parcels) {
        const unlocked = rig.unlockOf(p.lockerId);
        await rig.typeCode(p.pickupCode);
        await unlocked;
        await sleep(20);
      }
      await cycleDoors();
    });
    await phase("sync", async () => {
      await rig.post("/sync/now", {});
      for (let i = 0; i < 200; i++) {
        await sleep(50);
        if ((await rig.get("/sync")).backlog === 0) break;
      }
    });
  } finally {
    await rig.stop({ keepDir: true });
  }
  // Pruning runs hourly in the daemon; here the same store call on the same file, in this process.
  const db = openDatabase(rig.dbPath);
  try {
    const store = new Store(db);
    const io = () => ioOf("self");
    const a = io();
    store.outbox.pruneChunk(Date.now() + 1, 1_000_000);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const b = io();
    perParcel.prune = { writeBytes: (b.writeBytes - a.writeBytes) / k, wchar: (b.wchar - a.wchar) / k };
  } finally {
    db.close();
    rig.removeDir();
  }
  const total = Object.values(perParcel).reduce((s, p) => s + p.writeBytes, 0);
  log(`  flash wear per parcel: ${Object.entries(perParcel).map(([n, p]) => `${n} ${Math.round(p.writeBytes)} B`).join(", ")}; total ${Math.round(total)} B`);
  const perYear = total * 300 * 365;
  return [
    ...Object.entries(perParcel).map(([n, p]) => ({ name: `flash_bytes_per_parcel.${n}`, value: Math.round(p.writeBytes), unit: "B", wchar: Math.round(p.wchar), parcels: k })),
    { name: "flash_bytes_per_parcel.total", value: Math.round(total), unit: "B", perYearAt300aDayGB: round(perYear / 1e9, 2) },
    ...cardYears(perYear),
  ];
}

/**
 * Years until a typical industrial 32 GB microSD card's rated endurance is written. Rated
 * endurance: 32 GB × 3,000 program/erase cycles = 96 TB written, the figure industrial 3D TLC
 * cards are rated to (ATP Electronics, "Industrial SD cards: factors and requirements to
 * consider", https://www.atpinc.com/blog/industrial-sd-cards-factors-requirements-to-consider,
 * which also gives up to 5,500 TBW for its larger 3D TLC cards). Small synchronous writes cost
 * the card more than their size (write amplification): shown at 1× and a pessimistic 10×.
 */
function cardYears(bytesPerYear: number): BenchResult[] {
  const endurance = 32e9 * 3000;
  return [1, 10].map((waf) => ({ name: `flash_card_years.waf_${waf}`, value: round(endurance / (bytesPerYear * waf), 0), unit: "years", card: "industrial 32 GB, 3,000 P/E (96 TBW)", parcelsPerDay: 300 }));
}

function ioOf(pid: number | "self"): { writeBytes: number; wchar: number } {
  const t = readFileSync(`/proc/${pid}/io`, "utf8");
  const n = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, "m").exec(t)?.[1] ?? NaN);
  return { writeBytes: n("write_bytes"), wchar: n("wchar") };
}

/** What to run (BENCH_KEYPRESS_PARTS, comma-separated; default all): a short form while developing. */
interface Parts {
  vm: boolean;
  pi: boolean;
  idle: boolean;
  loaded: boolean;
  flash: boolean;
  /** The customer's time from one key to the next (BENCH_KEYPRESS_KEY_MS). */
  keyMs: number;
}

function partsFromEnv(): Parts {
  const v = process.env.BENCH_KEYPRESS_PARTS;
  const all = ["vm", "pi", "idle", "loaded", "flash"] as const;
  const chosen = v ? v.split(",").map((s) => s.trim()) : [...all];
  const bad = chosen.filter((c) => !(all as readonly string[]).includes(c));
  if (bad.length) throw new Error(`BENCH_KEYPRESS_PARTS: unknown ${bad.join(", ")} (known: ${all.join(", ")})`);
  return { vm: chosen.includes("vm"), pi: chosen.includes("pi"), idle: chosen.includes("idle"), loaded: chosen.includes("loaded"), flash: chosen.includes("flash"), keyMs: keyMsFromEnv() };
}

async function profileRuns(
  name: string,
  profile: Profile,
  central: BenchCentral,
  net: NetworkGroup,
  quick: boolean,
  log: (l: string) => void,
  targets: { idle: number; loaded: number },
  parts: Parts,
): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_KEYPRESS_SAMPLES ?? (quick ? 20 : 300));
  const results: BenchResult[] = [];
  // Idle: no sync, nothing else running; then the customers' parcels for the loaded run are stored.
  const idle = new ExternalRig({ profile });
  try {
    await idle.start();
    const pool = new Pool(idle, 24);
    await pool.fill();
    pool.keepFull();
    for (let i = 0; i < 10; i++) await sample(idle, await pool.take(), i % 2 ? "scanner" : "keypad", parts.keyMs);
    if (parts.idle) {
      const run = await sampleRun(idle, pool, n, () => true, 600_000, parts.keyMs);
      results.push(...figures(`keypress_external_ms.${name}.idle`, run, { keyMs: parts.keyMs }, { p99: targets.idle }));
      log(`  ${name} idle: keypad p99 ${round(summarise(run.keypad).p99, 2)} ms, scanner p99 ${round(summarise(run.scanner).p99, 2)} ms, loop delay p99 ${round(run.loop.p99, 2)} / max ${round(run.loop.max, 2)} ms`);
      results.push(...stageFigures(`keypress_external_ms.${name}.idle`, run, log));
    }
    await pool.stop();
  } finally {
    await idle.stop({ keepDir: true });
  }
  if (!parts.loaded) {
    idle.removeDir();
    return results;
  }

  // The backlog of a bank offline for days, written while the daemon is stopped.
  const backlog = quick ? 20_000 : 100_000;
  const db = openDatabase(idle.dbPath);
  fillOutbox(db, backlog);
  db.close();
  const admin = await central.admin();
  const creds = await createBank(admin, { bankId: `benchext${name}${process.pid}` }).finally(() => admin.end());
  const loaded = new ExternalRig({ dir: idle.dir, sync: { ...central.bank, user: central.bank.role, password: central.bank.password, bankId: creds.bankId, key: creds.key }, profile });
  try {
    await loaded.start();
    const pool = new Pool(loaded, 24);
    pool.keepFull();
    const floods = [flooder(loaded.url, loaded.token, net), flooder(loaded.url, loaded.token, net)];
    const bare = bareLoop();
    let caughtUpAt: number | null = null;
    let backlogSeen = 0;
    const t0 = nowMs();
    const watching = (async () => {
      while (caughtUpAt === null && nowMs() - t0 < 600_000) {
        const s = await loaded.get("/sync").catch(() => null);
        if (s) {
          backlogSeen = Math.max(backlogSeen, Number(s.backlog));
          if (s.backlog === 0 && s.lastSentSeq && Number(s.lastSentSeq) > backlog) caughtUpAt = nowMs();
        }
        await sleep(250);
      }
    })();
    // Samples while the catch-up and the prune after it run, and at least n of them.
    const run = await sampleRun(loaded, pool, n, () => caughtUpAt !== null && nowMs() - caughtUpAt > 3000, 600_000, parts.keyMs);
    const rounds = (await Promise.all(floods.map((f) => f.stop()))).reduce((a, b) => a + b, 0);
    const machine = await bare.stop();
    await pool.stop();
    await watching;
    const catchUpS = caughtUpAt === null ? null : round((caughtUpAt - t0) / 1000, 1);
    const extra = { keyMs: parts.keyMs, floodRounds: rounds, backlog, catchUpSeconds: catchUpS, load: "2 API flood clients, sync catch-up then prune, expiry sweep 1/s", rig: net.description };
    results.push(...figures(`keypress_external_ms.${name}.under_load`, run, extra, { p99: targets.loaded }));
    results.push(...stageFigures(`keypress_external_ms.${name}.under_load`, run, log));
    const worst = run.loop.stalls?.[0];
    // the worst stall taken apart (loop-stalls.ts): the main thread's time on a core and waiting for one over it
    const apart = worst ? { worstStallMs: worst.ms, worstStallOnCpuMs: worst.onCpuMs, worstStallWaitMs: worst.waitMs } : {};
    results.push({ name: `event_loop_delay_ms.${name}.under_load`, value: round(run.loop.p99, 2), unit: "ms p99", max: round(run.loop.max, 2), ...apart, target: "p99 < 5 ms, max < 20 ms", met: run.loop.p99 < 5 && run.loop.max < 20 });
    // the same window in an empty process outside any quota: the machine's own share of the delay
    results.push({ name: `event_loop_delay_ms.${name}.empty_process_same_window`, value: round(machine.p99, 2), unit: "ms p99", max: round(machine.max, 2), note: "an idle node process on the same machine, same window" });
    log(`  ${name} under load: keypad p99 ${round(summarise(run.keypad).p99, 2)} ms, scanner p99 ${round(summarise(run.scanner).p99, 2)} ms, loop delay p99 ${round(run.loop.p99, 2)} / max ${round(run.loop.max, 2)} ms (an empty process: ${round(machine.p99, 2)} / ${round(machine.max, 2)} ms); ${rounds} flood rounds, catch-up of ${backlog} in ${catchUpS} s`);
    log(`  ${name} under load, the loop's worst stalls: ${(run.loop.stalls ?? []).map(describeStall).join("; ") || "none kept (trace off)"}`);
  } finally {
    await loaded.stop();
  }
  return results;
}

export const keypressExternal: Benchmark = async ({ quick, log }) => {
  const central = await startBenchCentral("benchext");
  const results: BenchResult[] = [];
  const net = networkGroup(log);
  try {
    net.addTree(postmasterPid(central.dataDir));
    const parts = partsFromEnv();
    const unit = unitScheduling();
    // This process answers as the lock boards (each its own microcontroller on a bank) and takes
    // the timestamps: its main thread runs at the daemon's priority, relative to where it started.
    setPriority(getPriority() + unit.nice);
    if (parts.vm) {
      const group = makeCgroup(`lockerd-bench-vm-${process.pid}`, unit.cgroup, log);
      try {
        const vm: Profile = { nice: unit.nice, confine: (pid) => group?.add(pid) };
        results.push(...(await profileRuns("vm", vm, central, net, quick, log, { idle: 10, loaded: 10 }, parts)).map((r) => ({ ...r, scheduling: unit.description })));
      } finally {
        group?.remove();
      }
    }
    if (parts.pi) {
      const pi = piProfile(log, unit);
      try {
        results.push(...(await profileRuns("pi", pi.profile, central, net, quick, log, { idle: 100, loaded: 100 }, parts)).map((r) => ({ ...r, profile: pi.description, scheduling: unit.description })));
      } finally {
        pi.close();
      }
    }
    if (parts.flash) results.push(...(await flashWear(central, log, quick)));
  } finally {
    central.stop();
    net.close();
  }
  return results;
};
