/**
 * `lockerctl calibrate` as a real process against the board simulator on the other end of a
 * socat pty pair: the test plays the technician, answering each question on stdin when it
 * appears on stderr, and moving the simulated doors as a technician would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BoardBus, type BoardBusOptions } from "../../src/simulator/board-bus.js";
import type { SimProtocol } from "../../src/simulator/responders.js";
import { withoutLockerdVars } from "./daemon-process.js";
import { openPtyPair, type PtyPair } from "./pty-pair.js";

const ROOT = resolve(import.meta.dirname, "../..");

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The technician's side of one calibrate run. */
export class Conversation {
  stdout = "";
  stderr = "";
  private seen = 0;
  private readonly exited: Promise<Finished>;

  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((res) => proc.once("exit", (code, signal) => res({ code, signal, stdout: this.stdout, stderr: this.stderr })));
  }

  /** Wait for stderr (after what was already consumed) to match; returns the match. */
  async until(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stderr.slice(this.seen).match(re);
      if (m) {
        this.seen += m.index! + m[0].length;
        return m;
      }
      if (this.proc.exitCode !== null || Date.now() > end) throw new Error(`calibrate never asked ${re} (exit ${this.proc.exitCode}); stderr:\n${this.stderr}\nstdout:\n${this.stdout}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  answer(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  finished(): Promise<Finished> {
    return this.exited;
  }
}

export interface Rig {
  dir: string;
  pty: PtyPair;
  bus: BoardBus;
  config: string;
  start(args: string[]): Conversation;
  /** The same on a pseudo-terminal (util-linux script): stdout carries both streams, typed input is a terminal's. */
  startOnTerminal(args: string[]): Conversation;
  stop(): Promise<void>;
}

export async function startRig(protocol: SimProtocol, bus: Omit<BoardBusOptions, "protocol" | "device" | "person"> & { person?: BoardBusOptions["person"] }, config: Record<string, unknown> = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "calibrate-"));
  const pty = await openPtyPair();
  const sim = new BoardBus({ protocol, device: pty.peer, person: { enabled: true, openDelayMs: 40, closeDelayMs: 400 }, ...bus });
  await sim.start();
  const configPath = join(dir, "lockerd.json");
  writeFileSync(configPath, JSON.stringify({ dataDir: dir, log: { level: "warn", pretty: false }, ...config }));
  const procs: ChildProcess[] = [];
  // --url to a closed port: no daemon answers (port 9, discard, is not listened on here).
  const cliArgs = (args: string[]) => ["--import", "tsx", "src/cli/main.ts", "--config", configPath, "--url", "http://127.0.0.1:9", "calibrate", "--port", pty.device, ...args];
  return {
    dir,
    pty,
    bus: sim,
    config: configPath,
    start(args) {
      const p = spawn(process.execPath, cliArgs(args), { cwd: ROOT, env: { ...withoutLockerdVars(process.env), NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
      procs.push(p);
      return new Conversation(p);
    },
    startOnTerminal(args) {
      const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
      // exec: lockerctl itself is the terminal's foreground process, as when typed at an
      // interactive shell. Without it a shell that does not exec (dash, script's default when
      // SHELL is unset) sits between and is killed by the same Ctrl-C: exit 130.
      const cmd = `exec ${[process.execPath, ...cliArgs(args)].map(quote).join(" ")}`;
      const p = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, env: { ...withoutLockerdVars(process.env), NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
      procs.push(p);
      return new Conversation(p);
    },
    async stop() {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
      await sim.stop();
      await pty.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function layoutFile(dir: string, wiring: [string, number, number][], name = "layout.json"): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ name: "calibrate-test", columns: [{ id: "A", lockers: wiring.map(([id, board, channel]) => ({ id, size: "S", lock: { board, channel } })) }] }));
  return path;
}
