/** Doctor checks that ask the daemon: running, central database reachable, offline lockers; and the code-guessing bound. */
import { apiOpenForSimulator } from "../../config/open-api.js";
import { guessingBound, MAX_YEARLY_CHANCE } from "../../bank/guess-bound.js";
import type { ResolvedConfig } from "../../config/load.js";
import { attackSources } from "../../kiosk/guessing-check.js";
import type { Client } from "../client.js";
import type { DaemonHealth, SyncHealth } from "../health.js";
import type { LockerView, StatusView } from "../views.js";
import { duration, shortTime } from "../output.js";
import { fail, info, pass, warn, type CheckResult } from "./check.js";
import { configuredPinCouriers, type PinCouriers } from "./courier-pins.js";

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

/**
 * Lockers the database calls free whose IR sensor sees an item inside (a
 * parcel or part of one left behind, something pushed in). The daemon does not assign them.
 */
export function checkItemsLeftBehind(lockers: readonly LockerView[] | null): CheckResult {
  const title = "free lockers empty (IR sensors)";
  if (!lockers) return info("items", title, "cannot tell: the daemon is down");
  const sensed = lockers.filter((l) => l.itemPresent !== null && l.itemPresent !== undefined);
  if (!sensed.length) return info("items", title, "no IR 'item present' sensors (hardware.cu16.itemSensors) or none readable now");
  const left = sensed.filter((l) => l.status === "AVAILABLE" && l.itemPresent === true).map((l) => l.id);
  if (left.length) return warn("items", title, `free but not empty: ${left.join(", ")} (not assigned while so)`, "open with `lockerctl open ID` and take out what was left behind");
  return pass("items", title, `${sensed.length} lockers with IR sensors; every free one is empty`);
}

/** Lockers whose lock hardware does not answer now, as the daemon's driver sees it (GET /bank). */
export async function offlineLockers(client: Client): Promise<string[]> {
  return (await client.get<{ hardwareOffline: string[] }>("/bank")).hardwareOffline;
}

/** Every locker as the daemon sees it (GET /lockers/status). */
export async function lockerViews(client: Client): Promise<LockerView[]> {
  return (await client.get<StatusView>("/lockers/status")).lockers;
}

/**
 * The code-guessing bound, computed exactly as the daemon computes it at start (the same
 * function, the same configuration): a full bank, the limiter's worst case, every attempt source,
 * every courier PIN that signs in (`pins`: central's too, see courier-pins.ts; default the
 * configuration's).
 */
export function checkBruteForce(cfg: ResolvedConfig, lockers: number, pins: PinCouriers = { count: configuredPinCouriers(cfg.couriers), source: "configuration" }): CheckResult {
  const title = "brute-force bound of the codes";
  const openForSimulator = apiOpenForSimulator(cfg, cfg.hardware.driver);
  const sources = attackSources(cfg, openForSimulator);
  const b = guessingBound({ lockers, codeDigits: cfg.codes.digits, sources, limiter: cfg.limiter, pinCouriers: pins.count, pinDigits: cfg.kiosk.pinDigits });
  const pct = (x: number) => (x < 0.0001 ? `${(x * 100).toExponential(1)}%` : `${(x * 100).toFixed(x < 0.01 ? 3 : 1)}%`);
  const counted =
    pins.source === "configuration" ? (pins.why ? `configuration only: central's unknown, ${pins.why}` : "configuration") : `configuration and central, read from the ${pins.source}`;
  const pinText = pins.count || pins.source !== "configuration" || pins.why ? `, ${pins.count} courier PIN(s) of ${cfg.kiosk.pinDigits} digits (${counted})` : "";
  const detail =
    `${cfg.codes.digits}-digit codes, all ${lockers} lockers full${pinText}: one guess wins with probability ${b.perGuess.toExponential(2)}; ` +
    `${sources} attempt source(s), each allowed ${Math.round(b.guessesPerSourcePerYear).toLocaleString("en")} failed guesses a year by the limiter ` +
    `→ ${pct(b.yearlyChance)} chance of opening some locker within a year (limit ${pct(MAX_YEARLY_CHANCE)})`;
  if (b.yearlyChance < MAX_YEARLY_CHANCE) return pass("bruteforce", title, detail);
  const hint = `use more digits (codes.digits) or a stricter limiter (limiter.*)${pins.count ? `; courier PINs count too (kiosk.pinDigits ${cfg.kiosk.pinDigits})` : ""}`;
  if (cfg.limiter.allowWeakCodes) return warn("bruteforce", title, `${detail}; allowed by limiter.allowWeakCodes`, hint);
  return fail("bruteforce", title, detail, hint);
}
