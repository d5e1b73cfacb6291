/**
 * A systemd unit checked the way systemd itself reads it, in a scratch root (--root): the
 * distribution's units (for sysinit.target and friends), the unit under test in
 * etc/systemd/system, and stand-ins for the executables it names, so the check does not depend on
 * where this machine keeps Node. `systemd-analyze verify` reports problems on stderr but still
 * exits 0, so callers expect no output at all.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const DISTRO_UNITS = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((d) => existsSync(join(d, "sysinit.target")));

/** The executables (first word) of the unit's Exec*= lines. */
export function executables(unitText: string): string[] {
  const out = new Set<string>();
  for (const m of unitText.matchAll(/^Exec[A-Za-z]+=[-@:+!]*(\S+)/gm)) out.add(m[1]!);
  return [...out];
}

export interface UnitScratch {
  root: string;
  /** systemd-analyze verify's whole output for a unit file name in the scratch root. */
  verify(name: string): { output: string; status: number | null };
  /** Put another unit beside it (for checks that the check catches mistakes). */
  add(name: string, text: string): void;
  remove(): void;
}

export function unitScratch(name: string, text: string): UnitScratch {
  if (!DISTRO_UNITS) throw new Error("systemd's units (Debian package systemd) must be installed");
  const root = mkdtempSync(join(tmpdir(), "lockerd-unit-"));
  cpSync(DISTRO_UNITS, join(root, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
  const add = (n: string, t: string) => {
    writeFileSync(join(root, "etc/systemd/system", n), t);
    for (const exe of executables(t)) {
      const stub = join(root, exe);
      if (existsSync(stub)) continue;
      mkdirSync(dirname(stub), { recursive: true });
      writeFileSync(stub, "#!/bin/sh\nexit 0\n");
      chmodSync(stub, 0o755);
    }
  };
  add(name, text);
  return {
    root,
    add,
    verify(n) {
      const r = spawnSync("systemd-analyze", ["verify", `--root=${root}`, n], { encoding: "utf8" });
      if (r.error) throw r.error;
      return { output: r.stdout + r.stderr, status: r.status };
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** systemd-analyze security's overall exposure level (0 best, 10 worst) of a unit file. */
export function exposure(unitPath: string, unitName: string): number {
  const out = execFileSync("systemd-analyze", ["security", "--offline=true", "--no-pager", unitPath], { encoding: "utf8" });
  const m = new RegExp(`Overall exposure level for ${unitName.replace(".", "\\.")}: (\\d+\\.\\d)`).exec(out);
  if (!m) throw new Error(`no exposure level in:\n${out}`);
  return Number(m[1]);
}
