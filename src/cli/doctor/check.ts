/** One doctor check's verdict: pass, warn, fail, or info (skipped / not applicable), with a hint. */
import { spawnSync } from "node:child_process";

export type Verdict = "pass" | "warn" | "fail" | "info";

export interface CheckResult {
  id: string;
  title: string;
  status: Verdict;
  detail: string;
  hint?: string;
}

export const pass = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: "pass", detail });
export const warn = (id: string, title: string, detail: string, hint?: string): CheckResult => ({ id, title, status: "warn", detail, ...(hint ? { hint } : {}) });
export const fail = (id: string, title: string, detail: string, hint?: string): CheckResult => ({ id, title, status: "fail", detail, ...(hint ? { hint } : {}) });
export const info = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: "info", detail });

/** Run a small system tool; null when it is not installed. */
export function run(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } | null {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 5000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") return null;
  return { code: r.status ?? 1, stdout: (r.stdout ?? "").trim(), stderr: (r.stderr ?? "").trim() };
}

/** Every string in a config subtree that names a device file (/dev/...). */
export function devicePaths(value: unknown, at = ""): { key: string; path: string }[] {
  if (typeof value === "string") return value.startsWith("/dev/") ? [{ key: at, path: value }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => devicePaths(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => devicePaths(v, at ? `${at}.${k}` : k));
  return [];
}

export function get(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}
