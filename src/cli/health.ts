/** The daemon's and sync's health, as status and doctor show them. */
import type { Client } from "./client.js";
import { ApiError } from "./errors.js";
import { duration, shortTime, type Output } from "./output.js";
import type { SyncView } from "./views.js";

export interface DaemonHealth {
  reachable: boolean;
  where: string;
  ready: boolean | null;
  error: string | null;
}

export type SyncHealth = ({ available: true } & SyncView) | { available: false; reason: string };

export async function daemonHealth(client: Client): Promise<DaemonHealth> {
  try {
    const h = await client.get<{ status?: string }>("/healthz");
    return { reachable: true, where: client.where, ready: h.status === "ok", error: null };
  } catch (e) {
    // 503 "starting" is an answer: running, not ready yet.
    if (e instanceof ApiError) return { reachable: true, where: client.where, ready: false, error: e.message };
    return { reachable: false, where: client.where, ready: null, error: (e as Error).message };
  }
}

export async function syncHealth(client: Client): Promise<SyncHealth> {
  try {
    return { available: true, ...(await client.get<SyncView>("/sync")) };
  } catch (e) {
    if (e instanceof ApiError && e.noSuchRoute) return { available: false, reason: "this daemon has no sync (no GET /sync: an older lockerd)" };
    if (e instanceof ApiError) return { available: false, reason: `${e.code}: ${e.message}` };
    return { available: false, reason: (e as Error).message };
  }
}

export function describeDaemon(out: Output, h: DaemonHealth): string {
  if (!h.reachable) return `${out.paint(["bold", "red"], "DOWN")} (not reachable at ${h.where}) — showing the database read-only`;
  return h.ready ? `${out.paint("green", "running")}, ready (${h.where})` : `${out.paint("yellow", "running, NOT ready")} (${h.where}${h.error ? `: ${h.error}` : ""})`;
}

export function describeSync(out: Output, s: SyncHealth): string {
  if (!s.available) return out.paint("dim", s.reason);
  if (!s.configured) return out.paint("dim", `not configured (events kept locally: ${s.backlog} unsent)`);
  const parts = [`backlog ${s.backlog} event${s.backlog === 1 ? "" : "s"}`, `lag ${duration(s.lagMs)}`, `last success ${shortTime(s.lastSuccessAt)}`];
  const text = parts.join(", ");
  if (s.lastError) return `${out.paint("red", "FAILING")}: ${text}; last error: ${s.lastError}`;
  return `${out.paint(s.backlog > 0 && (s.lagMs ?? 0) > 300_000 ? "yellow" : "green", "ok")}: ${text}`;
}
