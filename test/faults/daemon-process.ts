/** The real daemon as a child process on a given data directory, for fault tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface DaemonProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code or signal when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}


export function writeConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, "config.json");
  writeFileSync(
    path,
    JSON.stringify({
      dataDir: dir,
      http: { port: 0 },
      hardware: { sim: { person: { enabled: true, openDelayMs: 30, closeDelayMs: 300 } } },
      log: { level: "info", pretty: false },
      ...extra,
    }),
  );
  return path;
}

export async function startDaemonProcess(configPath: string, env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<DaemonProcess> {
  // node --import tsx runs the daemon in this one process (the tsx CLI would add a parent).
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", join(process.cwd(), "src/main.ts"), "--config", configPath], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:[^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    void exited.then((e) => reject(new Error(`daemon exited (${e.code ?? e.signal}) before listening:\n${out}`)));
  });
  return { url, child, exited, output: () => out };
}

export async function stopDaemon(d: DaemonProcess): Promise<void> {
  if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill("SIGTERM");
  await d.exited;
}

export async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
