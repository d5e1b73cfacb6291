/**
 * The systemd unit, checked the way systemd itself reads it. `systemd-analyze verify` reports
 * problems (unknown keys, missing executables) on stderr but still exits 0, so any output fails.
 * It runs against a scratch root (--root): the distribution's units (for sysinit.target and
 * friends), the unit under test in etc/systemd/system, and stand-ins for the executables the
 * unit names, so the check does not depend on where this machine keeps Node.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const UNIT = join(ROOT, "systemd", "lockerd.service");
const DISTRO_UNITS = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((d) => existsSync(join(d, "sysinit.target")));

/** The executables (first word) of the unit's Exec*= lines. */
function executables(unitText: string): string[] {
  const out = new Set<string>();
  for (const m of unitText.matchAll(/^Exec[A-Za-z]+=[-@:+!]*(\S+)/gm)) out.add(m[1]!);
  return [...out];
}

describe("systemd/lockerd.service", { timeout: 60_000 }, () => {
  let scratch: string;
  const text = readFileSync(UNIT, "utf8");

  beforeAll(() => {
    expect(DISTRO_UNITS, "systemd's units (Debian package systemd) must be installed").toBeDefined();
    scratch = mkdtempSync(join(tmpdir(), "lockerd-unit-"));
    cpSync(DISTRO_UNITS!, join(scratch, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(scratch, "etc/systemd/system"), { recursive: true });
    writeFileSync(join(scratch, "etc/systemd/system/lockerd.service"), text);
    for (const exe of executables(text)) {
      const stub = join(scratch, exe);
      mkdirSync(dirname(stub), { recursive: true });
      writeFileSync(stub, "#!/bin/sh\nexit 0\n");
      chmodSync(stub, 0o755);
    }
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("names the executables it needs (node, for the daemon and the outputs-off command)", () => {
    expect(executables(text)).toEqual(["/usr/bin/node"]);
    expect(text).toMatch(/^ExecStopPost=\/usr\/bin\/node \/opt\/lockerd\/dist\/src\/tools\/outputs-off\.js /m);
    expect(text).toMatch(/^Type=notify$/m);
    expect(text).toMatch(/^WatchdogSec=/m);
    expect(text).toMatch(/^Restart=always$/m);
    // Node's JIT and sysfs GPIO: these two must never be switched on.
    expect(text).not.toMatch(/^MemoryDenyWriteExecute=(yes|true|1)/m);
    expect(text).not.toMatch(/^ProtectKernelTunables=(yes|true|1)/m);
  });

  it("puts the daemon ahead of other work on the Pi, moderately (the sync catch-up runs in it too)", () => {
    const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(text)?.[1];
    const nice = Number(value("Nice"));
    expect(nice).toBeLessThan(0);
    expect(nice).toBeGreaterThanOrEqual(-10);
    expect(Number(value("CPUWeight"))).toBeGreaterThan(100); // systemd's default weight
    expect(Number(value("CPUWeight"))).toBeLessThanOrEqual(500);
    expect(value("IOSchedulingClass")).toBe("best-effort"); // never realtime
    expect(Number(value("IOSchedulingPriority"))).toBeLessThan(4); // the best-effort default
    expect(value("CPUSchedulingPolicy")).toBeUndefined(); // no fifo/rr
    expect(value("RestrictRealtime")).toBe("yes");
  });

  it("passes systemd-analyze verify without a word of output", () => {
    const r = spawnSync("systemd-analyze", ["verify", `--root=${scratch}`, "lockerd.service"], { encoding: "utf8" });
    expect(r.error).toBeUndefined();
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("the verify check catches a misspelt key (it would otherwise pass silently)", () => {
    const bad = join(scratch, "etc/systemd/system/lockerd-bad.service");
    writeFileSync(bad, text.replace(/^WatchdogSec=/m, "WatchdogSecs="));
    try {
      const r = spawnSync("systemd-analyze", ["verify", `--root=${scratch}`, "lockerd-bad.service"], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toContain("WatchdogSecs");
    } finally {
      rmSync(bad);
    }
  });

  it("the verify check catches a priority out of range and an unknown scheduling class", () => {
    const bad = join(scratch, "etc/systemd/system/lockerd-bad.service");
    writeFileSync(bad, text.replace(/^Nice=.*$/m, "Nice=-50").replace(/^IOSchedulingClass=.*$/m, "IOSchedulingClass=realtim"));
    try {
      const r = spawnSync("systemd-analyze", ["verify", `--root=${scratch}`, "lockerd-bad.service"], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toMatch(/Nice priority out of range.*-50/);
      expect(r.stdout + r.stderr).toMatch(/IO scheduling class.*realtim/);
    } finally {
      rmSync(bad);
    }
  });

  it("has an exposure of 2.0 or lower by systemd-analyze security --offline=true", () => {
    const out = execFileSync("systemd-analyze", ["security", "--offline=true", "--no-pager", UNIT], { encoding: "utf8" });
    const m = /Overall exposure level for lockerd\.service: (\d+\.\d)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.0);
  });
});
