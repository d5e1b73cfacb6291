/** Doctor checks that ask the daemon: running, central database reachable, offline lockers; and the code-guessing bound. */
import type { Client } from "../client.js";
import type { DaemonHealth, SyncHealth } from "../health.js";
import { duration, shortTime } from "../output.js";
import type { EventsPage } from "../views.js";
import { fail, info, pass, warn, type CheckResult } from "./check.js";

export function checkDaemon(h: DaemonHealth, unit: string): CheckResult {
  const title = "daemon running";
  if (!h.reachable) return fail("daemon", title, h.error ?? `not reachable at ${h.where}`, `systemctl status ${unit}; journalctl -u ${unit} -n 50 (the checks below read the database directly)`);
  if (!h.ready) return warn("daemon", title, `running at ${h.where} but not ready${h.error ? ` (${h.error})` : ""}`, "it is starting, or stuck starting: see its log");
  return pass("daemon", title, `running and ready at ${h.where}`);
}

export function checkCentral(sync: SyncHealth | null, offlineBacklog: number | null): CheckResult {
  const title = "central database reachable";
  if (!sync) return warn("central", title, `cannot tell: the daemon is down${offlineBacklog !== null ? ` (${offlineBacklog} events wait in the outbox)` : ""}`);
  if (!sync.available) return info("central", title, `skipped: ${sync.reason}`);
  if (!sync.configured) return info("central", title, `sync not configured: events stay local (${sync.backlog} unsent)`);
  if (sync.lastError) return fail("central", title, `last error: ${sync.lastError}; backlog ${sync.backlog}, last success ${shortTime(sync.lastSuccessAt)}`, "check the network and the sync URL/credentials; events are kept and sent when it works again (`lockerctl sync now` retries)");
  if (!sync.lastSuccessAt && sync.backlog > 0) return warn("central", title, `no successful push yet; backlog ${sync.backlog}`, "`lockerctl sync now` tries immediately");
  if ((sync.lagMs ?? 0) > 15 * 60_000) return warn("central", title, `lagging ${duration(sync.lagMs)} behind (backlog ${sync.backlog})`, "`lockerctl sync now`; check the link's bandwidth");
  return pass("central", title, `last success ${shortTime(sync.lastSuccessAt)}, backlog ${sync.backlog}, lag ${duration(sync.lagMs)}`);
}

/** Lockers whose hardware the daemon last reported offline (hardware.offline/online events, oldest first). */
export async function offlineLockers(client: Client): Promise<string[]> {
  const page = await client.get<EventsPage>("/events", { type: "hardware.", order: "desc", limit: 500 });
  const offline = new Set<string>();
  for (const e of [...page.events].reverse()) {
    const ids = Array.isArray(e.data.lockers) ? (e.data.lockers as unknown[]).filter((x): x is string => typeof x === "string") : [];
    for (const id of ids) {
      if (e.type === "hardware.offline") offline.add(id);
      else if (e.type === "hardware.online") offline.delete(id);
    }
  }
  return [...offline].sort();
}

export interface Limiter {
  where: string;
  maxFailures: number;
  windowMs: number;
}

// Order matters: "windowHours" also ends in "s".
const UNIT_MS: [RegExp, number][] = [
  [/ms$/i, 1],
  [/(min|minutes)$/i, 60_000],
  [/(hour|hours|h)$/i, 3_600_000],
  [/(day|days)$/i, 86_400_000],
  [/(sec|secs|seconds|s)$/i, 1000],
];

/** Attempt-limiter settings anywhere in the configuration: a max-failures number beside a window length. */
export function findLimiter(config: unknown, at = ""): Limiter | null {
  if (config === null || typeof config !== "object" || Array.isArray(config)) return null;
  const entries = Object.entries(config as Record<string, unknown>);
  const max = entries.find(([k, v]) => typeof v === "number" && /^max.*(fail|attempt|guess)|^(failures|attempts)$/i.test(k) && !/opens?$/i.test(k));
  const win = entries.find(([k, v]) => typeof v === "number" && /window|period/i.test(k));
  if (max && win) {
    const unit = UNIT_MS.find(([re]) => re.test(win[0]))?.[1] ?? 1;
    return { where: `${at ? `${at}.` : ""}${max[0]}=${String(max[1])} per ${at ? `${at}.` : ""}${win[0]}=${String(win[1])}`, maxFailures: max[1] as number, windowMs: (win[1] as number) * unit };
  }
  for (const [k, v] of entries) {
    const found = findLimiter(v, at ? `${at}.${k}` : k);
    if (found) return found;
  }
  return null;
}

const YEAR_MS = 365 * 86_400_000;

export function checkBruteForce(digits: number, lockers: number, limiter: Limiter | null): CheckResult {
  const title = "brute-force bound of the codes";
  const p = lockers / 10 ** digits;
  const chance = (guesses: number) => -Math.expm1(guesses * Math.log1p(-p));
  const pct = (x: number) => (x < 0.0001 ? `${(x * 100).toExponential(1)}%` : `${(x * 100).toFixed(x < 0.01 ? 3 : 1)}%`);
  const base = `${digits}-digit codes, all ${lockers} lockers full: one guess wins with probability ${p.toExponential(2)}`;
  if (limiter) {
    const perYear = limiter.maxFailures * (YEAR_MS / limiter.windowMs);
    const c = chance(perYear);
    const detail = `${base}; the limiter (${limiter.where}) allows ${Math.round(perYear).toLocaleString("en")} failed guesses a year per keypad → ${pct(c)} chance of opening some locker within a year`;
    const hint = "use more digits (codes.digits) or a tighter attempt limit";
    if (c > 0.5) return fail("bruteforce", title, detail, hint);
    if (c > 0.05) return warn("bruteforce", title, detail, hint);
    return pass("bruteforce", title, detail);
  }
  // No limiter settings found: a person typing a guess every 3 s, all year.
  const perYear = YEAR_MS / 3000;
  const half = Math.log(0.5) / Math.log1p(-p);
  return warn(
    "bruteforce",
    title,
    `${base}; no attempt-limiter settings found in the configuration, so digits alone were assumed: 50% chance after ${Math.round(half).toLocaleString("en")} guesses; at one guess every 3 s that is ${pct(chance(perYear))} within a year`,
    "configure the keypad's failed-attempt limit (kiosk slice) and check its default",
  );
}
