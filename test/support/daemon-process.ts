/**
 * The real daemon as its own OS process: `node --import tsx src/main.ts` (what `npx tsx
 * src/main.ts` runs, without npx's extra process between the test and the signal), on port 0 of
 * the loopback. The URL is read from the "API listening" log line on stdout, so the config must
 * log JSON at info level or finer. The caller's LOCKERD_* variables never leak in.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PACKAGE_ROOT } from "../../src/system/paths.js";

export interface DaemonProcess {
  url: string;
  proc: ChildProcess;
  /** Every JSON log line seen so far. */
  logs: Record<string, unknown>[];
  stderr(): string;
  /** Resolves with the exit code or signal when the process ends (by itself or by stop). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (SIGKILL: no stop sequence, nothing flushed), then wait for the exit; resolves with the exit code (or the signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartOptions {
  /** --config file */
  config?: string;
  /** LOCKERD_DB: a database other than the config's. */
  db?: string;
  /** More environment, e.g. LOCKERD_CRASH_AT. */
  env?: Record<string, string>;
  /** Node's own flags, before the script (e.g. the systemd unit's --optimize-for-size). */
  nodeFlags?: string[];
  timeoutMs?: number;
}

export async function startDaemonProcess(opts: StartOptions): Promise<DaemonProcess> {
  const args = [...(opts.nodeFlags ?? []), "--import", "tsx", join(PACKAGE_ROOT, "src", "main.ts")];
  if (opts.config) args.push("--config", opts.config);
  const proc = spawn(process.execPath, args, {
    cwd: PACKAGE_ROOT,
    env: { ...withoutLockerdVars(process.env), LOCKERD_DB: opts.db ?? "", LOCKERD_HTTP: "127.0.0.1:0", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  proc.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`daemon did not report its URL in time\n${stderr}`)), opts.timeoutMs ?? 30_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(e);
    };
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === "API listening" && typeof entry.url === "string") {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
    void exited.then(({ code, signal }) => fail(new Error(`daemon exited before listening (${code ?? signal})\n${stderr}`)));
  });

  return {
    url,
    proc,
    logs,
    stderr: () => stderr,
    exited,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const { code, signal: sig } = await exited;
      return code ?? sig ?? -1;
    },
  };
}

/** The environment without the caller's LOCKERD_* settings (a developer's shell may have some). */
export function withoutLockerdVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("LOCKERD_")));
}
