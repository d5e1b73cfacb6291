/**
 * lockerctl doctor: everything a technician checks, each pass/warn/fail with a hint. Works with
 * the daemon down (it reads the database directly and says so). Exit 0 when nothing failed.
 */
import type { CourierView } from "../../bank/couriers.js";
import { str, type Command } from "../command.js";
import type { CliContext } from "../context.js";
import { checkBoards, checkGpio, checkInput, checkSerial } from "../doctor/hardware-checks.js";
import { checkBruteForce, checkCentral, checkDaemon, checkItemsLeftBehind, lockerViews, offlineLockers } from "../doctor/bank-checks.js";
import { get, type CheckResult, type Verdict } from "../doctor/check.js";
import { countPinCouriers } from "../doctor/courier-pins.js";
import { checkClock, checkConfig, checkDatabase, checkDisk, checkWatchdog } from "../doctor/system-checks.js";
import { daemonHealth, syncHealth } from "../health.js";
import { OfflineBank } from "../offline.js";
import type { Style } from "../output.js";

const MARK: Record<Verdict, [string, Style | Style[]]> = { pass: ["PASS", "green"], warn: ["WARN", "yellow"], fail: ["FAIL", ["bold", "red"]], info: ["INFO", "dim"] };

export const doctorCommand: Command = {
  name: "doctor",
  help: `usage: lockerctl doctor [--unit NAME] [--json]

Runs every check a technician would, each PASS, WARN, FAIL or INFO (not applicable) with a
hint: configuration valid; daemon running; database integrity (quick_check) and free disk;
GPIO accessible and the chip base found (driver gpio); serial ports present (drivers cu16,
8a80) and boards answering; free lockers empty where IR "item present" sensors say so; keypad
and scanner present (config input); clock synchronised; central database reachable (GET /sync);
the brute-force bound of the pickup codes (with every courier PIN that signs in, central's
included); the systemd watchdog. Works with the daemon down.

Options:
  --unit NAME   the systemd unit to inspect (default lockerd)

Exit: 0 when every check passes or warns, 1 when any fails.`,
  options: { unit: { type: "string" } },
  async run(ctx, _args, values) {
    const unit = str(values.unit) ?? "lockerd";
    const checks = await runChecks(ctx, unit);
    const failed = checks.filter((c) => c.status === "fail").length;
    const summary = Object.fromEntries((["pass", "warn", "fail", "info"] as const).map((v) => [v, checks.filter((c) => c.status === v).length]));
    if (ctx.out.json) {
      ctx.out.printJson({ ok: failed === 0, summary, checks });
    } else {
      const out = ctx.out;
      for (const c of checks) {
        const [mark, style] = MARK[c.status];
        out.line(`${out.paint(style, mark)}  ${c.title}: ${c.detail}`);
        if (c.hint && c.status !== "pass") out.line(`      ${out.paint("dim", `hint: ${c.hint}`)}`);
      }
      out.line();
      out.line(`${summary.pass} passed, ${summary.warn} warnings, ${summary.fail} failed${summary.info ? `, ${summary.info} not applicable` : ""}`);
    }
    return failed ? 1 : 0;
  },
};

async function runChecks(ctx: CliContext, unit: string): Promise<CheckResult[]> {
  const checks: CheckResult[] = [checkConfig(ctx)];
  const cfgResult = ctx.configResult();
  const cfg = "cfg" in cfgResult ? cfgResult.cfg : null;
  const raw = ctx.rawConfig();

  let daemonUp = false;
  let client = null;
  try {
    client = ctx.client();
  } catch {
    /* no way to reach it without a configuration: reported by the config check */
  }
  if (client) {
    const health = await daemonHealth(client);
    daemonUp = health.reachable;
    // The database checks look at the file the running daemon uses (LOCKERD_DB included).
    if (daemonUp) await ctx.askDaemonForDatabase();
    checks.push(checkDaemon(health, unit));
  }
  checks.push(checkDatabase(ctx), checkDisk(ctx));

  const driver = String(get(raw, "hardware.driver") ?? "sim");
  checks.push(checkGpio(driver), checkSerial(driver, get(raw, "hardware")));
  let offline: string[] | null = null;
  if (client && daemonUp) {
    try {
      offline = await offlineLockers(client);
    } catch {
      offline = null;
    }
  }
  checks.push(checkBoards(driver, offline, daemonUp));
  let lockers: Awaited<ReturnType<typeof lockerViews>> | null = null;
  if (client && daemonUp) lockers = await lockerViews(client).catch(() => null);
  checks.push(checkItemsLeftBehind(lockers));
  checks.push(...checkInput(get(raw, "input")));
  checks.push(checkClock());

  let backlog: number | null = null;
  if (!daemonUp) {
    try {
      const bank = OfflineBank.open(ctx.databasePath());
      try {
        backlog = bank.outbox().backlog;
      } finally {
        bank.close();
      }
    } catch {
      backlog = null;
    }
  }
  checks.push(checkCentral(client && daemonUp ? await syncHealth(client) : null, backlog));

  if (cfg) {
    const lockers = ctx.layout()?.lockers.length ?? 0;
    const live = client && daemonUp ? () => client.get<{ couriers: CourierView[] }>("/couriers").then((r) => r.couriers) : null;
    const pins = await countPinCouriers(cfg.couriers, live, databasePathOrNull(ctx));
    checks.push(checkBruteForce(cfg, Math.max(1, lockers), pins));
  }
  checks.push(checkWatchdog(unit));
  return checks;
}

function databasePathOrNull(ctx: CliContext): string | null {
  try {
    return ctx.databasePath();
  } catch {
    return null;
  }
}
