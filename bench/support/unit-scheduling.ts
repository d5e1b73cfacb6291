/**
 * The deployed unit's scheduling, applied to the benchmark's daemon: systemd/lockerd.service
 * gives lockerd Nice=-5 and CPUWeight=200 (priority over the Pi's other services, see the unit).
 * The benchmark reads both from the unit file, so it measures what the unit deploys and follows
 * it if it changes: the daemon is started under `nice -n <Nice>` (every thread inherits it) and
 * put in a cgroup of the same weight (v2 cpu.weight = CPUWeight; v1 cpu.shares = CPUWeight ×
 * 1024 / 100, as systemd maps it), against the default of everything else on this machine.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/system/paths.js";

export interface UnitScheduling {
  nice: number;
  cpuWeight: number;
  /** Settings for the daemon's cgroup (cgroup.ts makeCgroup). */
  cgroup: { v1: Record<string, string>; v2: Record<string, string> };
  description: string;
}

export function unitScheduling(unitPath = join(PACKAGE_ROOT, "systemd", "lockerd.service")): UnitScheduling {
  const text = readFileSync(unitPath, "utf8");
  const setting = (key: string, dflt: number) => {
    const m = new RegExp(`^${key}=(-?\\d+)\\s*$`, "m").exec(text);
    return m ? Number(m[1]) : dflt;
  };
  const nice = setting("Nice", 0);
  const cpuWeight = setting("CPUWeight", 100);
  return {
    nice,
    cpuWeight,
    cgroup: { v1: { "cpu.shares": String(Math.round((cpuWeight * 1024) / 100)) }, v2: { "cpu.weight": String(cpuWeight) } },
    description: `as the deployed unit: Nice=${nice}, CPUWeight=${cpuWeight}`,
  };
}
