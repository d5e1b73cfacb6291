/**
 * The real daemon as its own OS process: `node --import tsx src/main.ts` (what `npx tsx
 * src/main.ts` runs, without npx's extra process between the test and the signal), on port 0 of
 * the loopback. The URL is read from the "API listening" log line on stdout, so the config must
 * log JSON at info level or finer. The caller's LOCKERD_* variables never leak in.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { untilListening, type ListeningProcess } from "./listening-process.js";

export type DaemonProcess = ListeningProcess;

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
  return untilListening(proc, "daemon", "API listening", opts.timeoutMs ?? 30_000);
}

/** The environment without the caller's LOCKERD_* settings (a developer's shell may have some). */
export function withoutLockerdVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("LOCKERD_")));
}
