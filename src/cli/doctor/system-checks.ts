/** Doctor checks of the machine and files: configuration, database, disk, clock, watchdog. */
import { accessSync, constants, existsSync, readFileSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { CliContext } from "../context.js";
import { loadLayout } from "../../config/layout.js";
import { openDatabase, quickCheck } from "../../store/database.js";
import { MIGRATIONS } from "../../store/migrations.js";
import { bytes } from "../output.js";
import { fail, info, pass, run, warn, type CheckResult } from "./check.js";

export function checkConfig(ctx: CliContext): CheckResult {
  const r = ctx.configResult();
  if ("error" in r) return fail("config", "configuration valid", r.error.message, "fix every listed key: lockerd refuses to start with an invalid configuration");
  const cfg = r.cfg;
  try {
    const layout = loadLayout(cfg.paths.layout, cfg.bank.sizes);
    return pass("config", "configuration valid", `${cfg.paths.config ?? "(no file: built-in demo defaults)"}; layout ${layout.name}: ${layout.lockers.length} lockers in ${layout.columns.length} columns; driver ${cfg.hardware.driver}`);
  } catch (e) {
    return fail("config", "configuration valid", (e as Error).message, "fix the layout file named by bank.layout");
  }
}

export function checkDatabase(ctx: CliContext): CheckResult {
  const title = "database integrity";
  let path: string;
  try {
    path = ctx.databasePath();
  } catch {
    return info("database", title, "skipped: no valid configuration to find the database");
  }
  if (!existsSync(path)) return fail("database", title, `no database at ${path}`, "the daemon creates it at first start; check database.path / LOCKERD_DB");
  try {
    const db = openDatabase(path, { readonly: true, busyTimeoutMs: 5000 });
    try {
      const problems = quickCheck(db).filter((l) => l !== "ok");
      const version = db.pragma("user_version", { simple: true }) as number;
      if (problems.length) return fail("database", title, `quick_check: ${problems.slice(0, 3).join("; ")}`, "stop lockerd, restore the newest backup (lockerctl backup makes them), then start it");
      if (version > MIGRATIONS.length) return warn("database", title, `${path}: ok, but schema ${version} is newer than this lockerctl knows (${MIGRATIONS.length})`, "update lockerctl with the daemon");
      return pass("database", title, `${path}: quick_check ok, schema ${version}`);
    } finally {
      db.close();
    }
  } catch (e) {
    return fail("database", title, `cannot open ${path}: ${(e as Error).message}`, "check the file's owner and permissions");
  }
}

export function checkDisk(ctx: CliContext): CheckResult {
  const title = "free disk";
  let dir: string;
  try {
    dir = dirname(ctx.databasePath());
  } catch {
    return info("disk", title, "skipped: no valid configuration");
  }
  if (!existsSync(dir)) return warn("disk", title, `${dir} does not exist yet`);
  const s = statfsSync(dir);
  const free = s.bavail * s.bsize;
  const total = s.blocks * s.bsize;
  const pct = total ? (free / total) * 100 : 0;
  const detail = `${bytes(free)} free of ${bytes(total)} (${pct.toFixed(1)}%) on the database's filesystem`;
  const hint = "free space: old logs (journalctl --vacuum-size=100M), old backups; the bank refuses new parcels when its storage is full";
  if (free < 50 * 1024 ** 2 || pct < 2) return fail("disk", title, detail, hint);
  if (free < 500 * 1024 ** 2 || pct < 10) return warn("disk", title, detail, hint);
  return pass("disk", title, detail);
}

export function checkClock(): CheckResult {
  const title = "clock synchronised";
  if (existsSync("/run/systemd/timesync/synchronized")) return pass("clock", title, "systemd-timesyncd has synchronised the clock");
  const r = run("timedatectl", ["show", "-p", "NTPSynchronized", "--value"]);
  const hint = "a Pi has no battery clock: until NTP syncs, times (and parcel deadlines) can be wrong by years. Check network and `timedatectl timesync-status`";
  if (r && r.code === 0 && r.stdout === "yes") return pass("clock", title, "timedatectl: NTPSynchronized=yes");
  if (r && r.code === 0 && r.stdout === "no") return fail("clock", title, "timedatectl: NTPSynchronized=no", hint);
  return warn("clock", title, `cannot tell: no /run/systemd/timesync/synchronized${r ? ` and timedatectl failed (${r.stderr.split("\n")[0] || `exit ${r.code}`})` : " and no timedatectl"}`, hint);
}

const UNIT_DIRS = ["/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];

export function checkWatchdog(unit: string): CheckResult {
  const title = "service watchdog";
  const file = UNIT_DIRS.map((d) => `${d}/${unit}.service`).find((f) => existsSync(f)) ?? null;
  const r = run("systemctl", ["show", unit, "-p", "WatchdogUSec", "-p", "LoadState", "-p", "ActiveState"]);
  if (r && r.code === 0) {
    const props = Object.fromEntries(r.stdout.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    if (props.LoadState === "not-found") return warn("watchdog", title, `no ${unit}.service unit is installed`, "install the unit (see the README's Pi installation) so systemd restarts a hung daemon");
    const wd = props.WatchdogUSec ?? "0";
    if (wd === "0" || wd === "infinity" || wd === "") return warn("watchdog", title, `${unit}.service has no watchdog (WatchdogUSec=${wd}; ${props.ActiveState ?? "?"})`, "set WatchdogSec= in the unit (Type=notify)");
    return pass("watchdog", title, `${unit}.service: WatchdogUSec=${wd}, ${props.ActiveState ?? "?"}`);
  }
  if (file) {
    const m = /^\s*WatchdogSec\s*=\s*(\S+)/m.exec(readFileSync(file, "utf8"));
    if (m && m[1] !== "0") return warn("watchdog", title, `${file} sets WatchdogSec=${m[1]}, but systemd is not running here to enforce it`, "run lockerd under systemd");
    return warn("watchdog", title, `${file} has no WatchdogSec= and systemd is not running`, "set WatchdogSec= in the unit");
  }
  return warn("watchdog", title, `not running under systemd (${r ? r.stderr.split("\n")[0] || `systemctl exit ${r.code}` : "no systemctl"}); no ${unit}.service unit found`, "on the Pi, run lockerd as a systemd service with WatchdogSec= so a hung daemon is restarted");
}

/** /sys writable at all (ProtectKernelTunables= would make it read-only). */
export function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
