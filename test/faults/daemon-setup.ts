/**
 * The fault tests' daemon: its configuration on a data directory (test/support/daemon-process.ts
 * starts it), and calls to its API.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

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
