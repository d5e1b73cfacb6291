/**
 * A real lockerd process (simulated bank, fast simulated person) and the real lockerctl
 * process, for the CLI's scenario tests. Every output lockerctl produces is kept so a test can
 * check that no pickup code ever appeared in any of them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startDaemonProcess, withoutLockerdVars, type DaemonProcess } from "../support/daemon-process.js";

export const ROOT = resolve(import.meta.dirname, "../..");
export const TOKEN = "technician-token-for-tests-0123";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment without the caller's LOCKERD_* settings, nor its colour wishes. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...env } = withoutLockerdVars(process.env);
  return { ...env, ...extra };
}

export class Bank {
  readonly dir = mkdtempSync(join(tmpdir(), "lockerctl-"));
  readonly config = join(this.dir, "lockerd.json");
  /** The daemon's database: <dataDir>/lockerd.db unless given (then the daemon gets it as LOCKERD_DB). */
  readonly db: string;
  url = "";
  private daemon: DaemonProcess | null = null;
  readonly outputs: string[] = [];

  constructor(extraConfig: Record<string, unknown> = {}, opts: { db?: string } = {}) {
    this.db = opts.db ?? join(this.dir, "lockerd.db");
    writeFileSync(
      this.config,
      JSON.stringify({ dataDir: this.dir, hardware: { driver: "sim", sim: { person: { enabled: true, openDelayMs: 50, closeDelayMs: 300 } } }, log: { level: "info", pretty: false }, ...extraConfig }),
    );
  }

  async start(): Promise<void> {
    this.daemon = await startDaemonProcess({ config: this.config, db: this.db, env: { LOCKERD_API_TOKEN: TOKEN } });
    this.url = this.daemon.url;
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
    this.daemon = null;
  }

  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Environment for lockerctl: the same config as the daemon, its URL and token. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return cleanEnv({ LOCKERD_CONFIG: this.config, LOCKERD_DB: this.db, LOCKERD_URL: this.url, LOCKERD_API_TOKEN: TOKEN, ...extra });
  }

  /** Run lockerctl to completion. */
  cli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
    const p = this.spawnCli(args, opts.env);
    if (opts.input !== undefined) p.stdin!.end(opts.input);
    else p.stdin!.end();
    return collect(p, this.outputs);
  }

  /** Run lockerctl on a pseudo-terminal (util-linux script), typing `input`. */
  tty(args: string[], input: string, extraEnv: Record<string, string> = {}): Promise<Run> {
    const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
    // exec: lockerctl is the terminal's foreground process, not a shell (dash) in between.
    const cmd = `exec ${[process.execPath, "--import", "tsx", "src/cli/main.ts", ...args].map(quote).join(" ")}`;
    const p = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, env: this.env(extraEnv), stdio: ["pipe", "pipe", "pipe"] });
    p.stdin!.end(input);
    return collect(p, this.outputs);
  }

  spawnCli(args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
    return spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT, env: env ?? this.env(), stdio: ["pipe", "pipe", "pipe"] });
  }

  async api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }
}

export function collect(p: ChildProcess, sink: string[]): Promise<Run> {
  return new Promise((res) => {
    let stdout = "";
    let stderr = "";
    p.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    p.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    p.once("close", (code) => {
      sink.push(stdout, stderr);
      res({ code, stdout, stderr });
    });
  });
}

/** Poll until fn returns a truthy value (bounded; the failure message says what never happened). */
export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
