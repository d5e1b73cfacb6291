/**
 * The real daemon as its own OS process: `node --import tsx src/main.ts` (what `npx tsx
 * src/main.ts` runs, without npx's extra process between the test and the signal), on a temp
 * database and port 0. The URL is read from the "API listening" log line on stdout.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PACKAGE_ROOT } from "../../src/system/paths.js";

export interface DaemonProcess {
  url: string;
  proc: ChildProcess;
  /** Every JSON log line seen so far. */
  logs: Record<string, unknown>[];
  stderr(): string;
  /** SIGTERM, then wait for the exit; resolves with the exit code (or the signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartOptions {
  /** LOCKERD_DB */
  db: string;
  /** --config file */
  config?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function startDaemonProcess(opts: StartOptions): Promise<DaemonProcess> {
  const args = ["--import", "tsx", join(PACKAGE_ROOT, "src", "main.ts")];
  if (opts.config) args.push("--config", opts.config);
  const proc = spawn(process.execPath, args, {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, LOCKERD_CONFIG: "", LOCKERD_API_TOKEN: "", LOCKERD_DB: opts.db, LOCKERD_HTTP: "127.0.0.1:0", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  proc.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = once(proc, "exit") as Promise<[number | null, NodeJS.Signals | null]>;

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`daemon did not report its URL in time\n${stderr}`)), opts.timeoutMs ?? 20_000);
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
    void exited.then(([code, sig]) => fail(new Error(`daemon exited before listening (${code ?? sig})\n${stderr}`)));
  });

  return {
    url,
    proc,
    logs,
    stderr: () => stderr,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const [code, sig] = await exited;
      return code ?? sig ?? -1;
    },
  };
}
