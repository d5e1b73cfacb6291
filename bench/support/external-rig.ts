/**
 * The rig of the external keypress benchmark. This process plays the customer and the lock
 * boards; the daemon is another process (external-daemon.ts) wired as on a bank:
 * - keypad: 8-byte HID boot-keyboard reports written into a FIFO the daemon reads like
 *   /dev/hidrawN (see fifo-hid.ts for why not a real hidraw device);
 * - scanner: a serial scanner on a socat pty (the daemon's SerialScanner on one end, this
 *   process writing "token\r" on the other, a byte at a time at the scanner's baud rate, as a
 *   real one sends it: paced-serial.ts);
 * - lock boards: the real CU16 driver on a socat pty; this process answers as the boards
 *   (src/simulator BoardBus, a person opening and closing doors) and timestamps each unlock
 *   frame as it arrives.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as cu16 from "../../src/drivers/cu16/protocol.js";
import { BoardBus } from "../../src/simulator/board-bus.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import type { Span, StageRecord } from "../../src/system/trace.js";
import { openPtyPair, type PtyPair } from "../../test/support/pty-pair.js";
import { deployedNodeFlags } from "./daemon.js";
import { DoorWitness } from "./door-witness.js";
import { PacedWriter } from "./paced-serial.js";
import { nowMs } from "./stats.js";
import type { LoopStall } from "./loop-stalls.js";

/** The scanner's line: the daemon's configured baud rate, and the pace of the rig's scans. */
export const SCANNER_BAUD = 9600;

/** Boards 0-3 hold S and M lockers (the customers'), 4-5 L lockers (the flooding couriers'). */
export const BOARDS = [0, 1, 2, 3, 4, 5];
const COLUMNS = "ABCDEF";

function layout(): unknown {
  return {
    name: "bench-96",
    description: "Benchmark bank: 6 CU16 boards of 16 lockers (32 S, 32 M, 32 L).",
    columns: BOARDS.map((board, b) => ({
      id: COLUMNS[b],
      lockers: Array.from({ length: 16 }, (_, i) => ({
        id: `${COLUMNS[b]}${String(i + 1).padStart(2, "0")}`,
        size: board < 2 ? "S" : board < 4 ? "M" : "L",
        lock: { board, channel: i + 1 },
      })),
    })),
  };
}

/** The locker wired to a board's channel (see layout()). */
function lockerAt(board: number, channel: number): string | undefined {
  const col = COLUMNS[BOARDS.indexOf(board)];
  return col && channel >= 1 && channel <= 16 ? `${col}${String(channel).padStart(2, "0")}` : undefined;
}

/** Which board and channel a locker id is wired to (see layout()). */
export function wireOf(lockerId: string): { board: number; channel: number } {
  return { board: BOARDS[COLUMNS.indexOf(lockerId[0]!)]!, channel: Number(lockerId.slice(1)) };
}

export interface Profile {
  /** Extra environment for the daemon (LD_PRELOAD of the SD-card shim). */
  env?: Record<string, string>;
  /** Called with the daemon's pid once it runs (the CPU cgroup). */
  confine?: (pid: number) => void;
  /** Start the daemon under `nice -n` this (the deployed unit's Nice=). */
  nice?: number;
}

export interface RigOptions {
  dir?: string;
  /** key: the bank's own key (the shared ingest role logs in as `user`). */
  sync?: { host: string; port: number; database: string; user: string; password: string; bankId: string; key: string } | null;
  profile?: Profile;
  /** Between sync cycles (default 200 ms; the flash-wear run pushes by hand). */
  syncIntervalMs?: number;
}

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  samples: number;
  /** The daemon's worst stalls, taken apart (trace mode; not from an empty process). */
  stalls?: LoopStall[];
}

export class ExternalRig {
  readonly dir: string;
  url = "";
  pid = 0;
  private child: ChildProcess | null = null;
  private readonly ptys: PtyPair[] = [];
  private bus: BoardBus | null = null;
  private fifoFd = -1;
  private scannerFd = -1;
  private readonly paced = new PacedWriter();
  private readonly waiters = new Map<string, (at: number) => void>();
  /** The bus's last frames both ways, for explaining a sample whose unlock frame never came. */
  readonly traffic: { at: number; dir: "in" | "out"; hex: string }[] = [];
  /** The daemon's last log lines (BENCH_DAEMON_LOG sets its level), for the same purpose. */
  readonly daemonLog: string[] = [];
  private readonly replies: ((o: Record<string, unknown>) => void)[] = [];
  /** What the boards saw of each door: explains each "door did not open" the daemon logs. */
  private readonly witness = new DoorWitness(lockerAt, nowMs);
  /** The simulated person, shared by every board: opens an unlocked door at once, shuts it a little later. */
  private readonly personSettings = { enabled: true, openDelayMs: 20, closeDelayMs: 1500 };
  readonly dbPath: string;
  /** A technician's API token (a bank with real boards has a closed API without one). */
  readonly token = randomBytes(18).toString("base64url");

  constructor(private readonly opts: RigOptions = {}) {
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), "lockerd-bench-ext-"));
    this.dbPath = join(this.dir, "lockerd.db");
  }

  async start(): Promise<void> {
    const board = await openPtyPair(this.dir, "board");
    const scanner = await openPtyPair(this.dir, "scanner");
    this.ptys.push(board, scanner);
    const fifo = join(this.dir, "keypad.fifo");
    if (!existsSync(fifo) && spawnSync("mkfifo", [fifo]).status !== 0) throw new Error("mkfifo failed");
    // Read-write: opening does not wait for the daemon, and the FIFO never reads end-of-file.
    this.fifoFd = openSync(fifo, "r+");
    this.scannerFd = openSync(scanner.peer, "r+");
    this.bus = new BoardBus({
      protocol: "cu16",
      device: board.peer,
      boards: BOARDS,
      person: this.personSettings,
      onChange: (c) => this.witness.change(c),
      onTraffic: (dir, bytes) => {
        const at = nowMs();
        this.traffic.push({ at, dir, hex: bytes.toString("hex") });
        if (this.traffic.length > 400) this.traffic.splice(0, 100);
        if (dir !== "in") return;
        this.witness.frameIn(bytes);
        const cmd = cu16.parseCommand(bytes);
        if (!cmd || cmd.cmd !== cu16.CMD.unlock) return;
        const key = `${cmd.board}/${cmd.lockIndex + 1}`;
        const w = this.waiters.get(key);
        if (w) {
          this.waiters.delete(key);
          w(at);
        }
      },
    });
    await this.bus.start();
    writeFileSync(join(this.dir, "layout.json"), JSON.stringify(layout()));
    const config: Record<string, unknown> = {
      bank: { id: this.opts.sync?.bankId ?? "bench-ext", layout: "layout.json" },
      dataDir: this.dir,
      http: { host: "127.0.0.1", port: 0, socket: false },
      api: { tokens: [{ name: "bench", role: "technician", sha256: createHash("sha256").update(this.token).digest("hex") }] },
      log: { level: process.env.BENCH_DAEMON_LOG ?? "info", pretty: false },
      hardware: { driver: "cu16", serial: { path: board.device, pollMs: 100, responseTimeoutMs: 250, retries: 2 }, cu16: { lockedBit: 1 } },
      input: { scanner: { type: "serial", path: scanner.device, baudRate: SCANNER_BAUD, suffix: "CR" } },
      // Doors here move many times a minute, far faster than people: no flap detection.
      doors: { flapWindowMs: 1, flapMaxChanges: 1000 },
      // The sweep runs every second instead of every minute: it is part of the load.
      parcels: { expirySweepMs: 1000 },
    };
    if (this.opts.sync) {
      const s = this.opts.sync;
      writeFileSync(join(this.dir, "pw"), s.password + "\n", { mode: 0o600 });
      writeFileSync(join(this.dir, "key"), s.key + "\n", { mode: 0o600 });
      // Retention of about a second: the prune runs on this run's own events as they go up.
      config.sync = { enabled: true, host: s.host, port: s.port, database: s.database, user: s.user, passwordFile: "pw", keyFile: "key", tls: "disable", intervalMs: this.opts.syncIntervalMs ?? 200, retentionDays: 1e-5 };
    }
    writeFileSync(join(this.dir, "config.json"), JSON.stringify(config));
    const argv = [process.execPath, ...deployedNodeFlags(), "--import", "tsx", join(PACKAGE_ROOT, "bench/support/external-daemon.ts"), "--config", join(this.dir, "config.json"), "--keypad-fifo", fifo];
    // under nice, every thread of the daemon starts with it (a renice later reaches only the main thread)
    const nice = this.opts.profile?.nice;
    const child = spawn(
      nice ? "nice" : argv[0]!,
      nice ? ["-n", String(nice), ...argv] : argv.slice(1),
      // LOCKERD_TRACE: the stage marks and spans each sample is taken apart with (src/system/trace.ts)
      { cwd: PACKAGE_ROOT, stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, LOCKERD_TRACE: "1", ...this.opts.profile?.env } },
    );
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        this.daemonLog.push(line);
        if (this.daemonLog.length > 20_000) this.daemonLog.splice(0, 5_000);
        if (typeof o.ready === "string") {
          this.url = o.ready;
          this.pid = Number(o.pid);
          resolve();
        } else if ("loop" in o || "loopReset" in o || "trace" in o) this.replies.shift()?.(o);
        else if (Number(o.level) >= 40 || /fail|reject|refus/i.test(String(o.msg))) {
          process.stderr.write(`  daemon: ${line}\n`);
          const lockerId = typeof o.lockerId === "string" ? o.lockerId : null;
          if (o.event === "door.open_timeout" && lockerId) process.stderr.write(`    rig: ${this.witness.explain(lockerId, wireOf(lockerId).board)}\n`);
        }
      });
      child.once("exit", (code) => reject(new Error(`bench daemon exited with ${code} before it was ready`)));
    });
    await ready;
    this.opts.profile?.confine?.(this.pid);
    // the keypad and the scanner connect
    await new Promise((r) => setTimeout(r, 300));
  }

  /** The simulated person on or off (off: doors move only by door()). */
  person(enabled: boolean): void {
    this.personSettings.enabled = enabled;
  }

  door(lockerId: string, open: boolean): void {
    const w = wireOf(lockerId);
    this.bus!.board(w.board).setDoor(w.channel, open);
  }

  removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Ask the daemon something on its stdin; resolves with its next JSON line. */
  private ask(line: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.replies.push(resolve);
      this.child!.stdin!.write(line + "\n");
    });
  }

  async resetLoopDelay(): Promise<void> {
    await this.ask("loop-reset");
  }

  async loopDelay(): Promise<LoopDelay> {
    return (await this.ask("loop?")).loop as LoopDelay;
  }

  /** The daemon's stage records completed since the last ask, and its work spans over [from, to]. */
  async trace(from: number, to: number): Promise<{ records: StageRecord[]; spans: Span[] }> {
    return (await this.ask(`trace ${from} ${to}`)).trace as { records: StageRecord[]; spans: Span[] };
  }

  /** Run-queue wait so far (ms) of the daemon's main thread and of this process's. */
  schedWait(): { daemon: number; rig: number } {
    return { daemon: runQueueWaitMs(this.pid), rig: runQueueWaitMs(process.pid) };
  }

  /** The daemon's /proc/<pid>/io: bytes it made the kernel write to storage, and bytes it wrote. */
  io(): { writeBytes: number; wchar: number } {
    const t = readFileSync(`/proc/${this.pid}/io`, "utf8");
    const n = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, "m").exec(t)?.[1] ?? NaN);
    return { writeBytes: n("write_bytes"), wchar: n("wchar") };
  }

  /** Resolves with the arrival time of the next unlock frame for this locker. */
  unlockOf(lockerId: string, timeoutMs = 10_000): Promise<number> {
    const w = wireOf(lockerId);
    const key = `${w.board}/${w.channel}`;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`no unlock frame for ${lockerId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(key, (at) => {
        clearTimeout(t);
        resolve(at);
      });
    });
  }

  /**
   * Type a code and Enter on the keypad, keyMs between one key and the next (0: the whole code
   * and Enter back to back); resolves with the time the final Enter report was written.
   */
  async typeCode(code: string, keyMs = 0): Promise<number> {
    const usage = (d: string) => (d === "0" ? 0x27 : 0x1d + Number(d));
    const report = (u: number) => Buffer.from([0, 0, u, 0, 0, 0, 0, 0]);
    const release = Buffer.alloc(8);
    for (const d of code) {
      writeSync(this.fifoFd, report(usage(d)));
      writeSync(this.fifoFd, release);
      if (keyMs > 0) await new Promise((r) => setTimeout(r, keyMs));
    }
    const t0 = nowMs();
    writeSync(this.fifoFd, report(0x28));
    writeSync(this.fifoFd, release);
    return t0;
  }

  /**
   * Scan a token: the scanner sends it and CR a byte at a time at SCANNER_BAUD (a 32-character
   * token: 34 ms); resolves with the time the final byte, the CR, was written.
   */
  async scan(text: string): Promise<number> {
    const w = await this.paced.write(this.scannerFd, Buffer.from(text + "\r", "latin1"), SCANNER_BAUD);
    return w.last;
  }

  async post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const r = await retried(() => fetch(this.url + path, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${this.token}` }, body: JSON.stringify(body) }));
    const res = { status: r.status, body: (await r.json()) as Record<string, unknown> };
    if (r.status === 401 || r.status === 403) throw new Error(`${path}: ${r.status} ${JSON.stringify(res.body)}`);
    return res;
  }

  async get(path: string): Promise<Record<string, unknown>> {
    const r = await retried(() => fetch(this.url + path, { headers: { authorization: `Bearer ${this.token}` } }));
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return (await r.json()) as Record<string, unknown>;
  }

  async stop(opts: { keepDir?: boolean } = {}): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await this.bus?.stop();
    this.bus = null;
    await this.paced.close();
    for (const fd of [this.fifoFd, this.scannerFd]) if (fd >= 0) closeSync(fd);
    this.fifoFd = this.scannerFd = -1;
    for (const p of this.ptys.splice(0)) await p.close();
    if (!opts.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A request again when the connection was reset: a kept-alive connection the daemon closed as
 * it was reused (a starved daemon, under the Pi profile's CPU quota, closes them late).
 */
async function retried(send: () => Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Time a thread has spent runnable but not running (the second field of its schedstat), ms. */
function runQueueWaitMs(tid: number): number {
  try {
    return Number(readFileSync(`/proc/${tid}/task/${tid}/schedstat`, "utf8").split(" ")[1]) / 1e6;
  } catch {
    return NaN;
  }
}
