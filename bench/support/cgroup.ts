/**
 * A CPU cgroup for benchmark processes: cgroup v1's cpu controller, or v2's. Settings are
 * written in the order given (v1 wants the period before the quota). Null, with a line in the
 * log, where no cgroup can be made (not root, no cpu controller).
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Cgroup {
  kind: "v1" | "v2";
  add(pid: number): void;
  remove(): void;
}

export function makeCgroup(name: string, settings: { v1: Record<string, string>; v2: Record<string, string> }, log: (l: string) => void): Cgroup | null {
  const v1 = "/sys/fs/cgroup/cpu";
  const v2 = "/sys/fs/cgroup";
  try {
    const kind = existsSync(join(v1, "cpu.shares")) ? "v1" : existsSync(join(v2, "cgroup.controllers")) ? "v2" : null;
    if (!kind) throw new Error("no cpu cgroup controller");
    const path = join(kind === "v1" ? v1 : v2, name);
    mkdirSync(path);
    for (const [file, value] of Object.entries(settings[kind])) writeFileSync(join(path, file), value);
    return { kind, add: (pid) => writeFileSync(join(path, "cgroup.procs"), String(pid)), remove: () => removeCgroup(path) };
  } catch (e) {
    log(`  no cgroup ${name} (${(e as Error).message})`);
    return null;
  }
}

/** Its processes have exited by now; a cgroup with no process in it can be removed. */
function removeCgroup(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // still busy (a process left behind): leave it, it is harmless and named after this run
  }
}
