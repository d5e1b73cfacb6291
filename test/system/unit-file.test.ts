/**
 * The systemd unit, checked the way systemd itself reads it. `systemd-analyze verify` reports
 * problems (unknown keys, missing executables) on stderr but still exits 0, so any output fails.
 * It runs against a scratch root (--root): the distribution's units (for sysinit.target and
 * friends), the unit under test in etc/systemd/system, and stand-ins for the executables the
 * unit names, so the check does not depend on where this machine keeps Node.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executables, exposure, unitScratch, type UnitScratch } from "../support/systemd-unit.js";

const ROOT = resolve(import.meta.dirname, "../..");
const UNIT = join(ROOT, "systemd", "lockerd.service");

describe("systemd/lockerd.service", { timeout: 60_000 }, () => {
  let scratch: UnitScratch;
  const text = readFileSync(UNIT, "utf8");

  beforeAll(() => {
    scratch = unitScratch("lockerd.service", text);
  });
  afterAll(() => scratch?.remove());

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
    expect(scratch.verify("lockerd.service")).toEqual({ output: "", status: 0 });
  });

  it("the verify check catches a misspelt key (it would otherwise pass silently)", () => {
    scratch.add("lockerd-bad1.service", text.replace(/^WatchdogSec=/m, "WatchdogSecs="));
    expect(scratch.verify("lockerd-bad1.service").output).toContain("WatchdogSecs");
  });

  it("the verify check catches a priority out of range and an unknown scheduling class", () => {
    scratch.add("lockerd-bad2.service", text.replace(/^Nice=.*$/m, "Nice=-50").replace(/^IOSchedulingClass=.*$/m, "IOSchedulingClass=realtim"));
    const { output } = scratch.verify("lockerd-bad2.service");
    expect(output).toMatch(/Nice priority out of range.*-50/);
    expect(output).toMatch(/IO scheduling class.*realtim/);
  });

  it("has an exposure of 2.0 or lower by systemd-analyze security --offline=true", () => {
    expect(exposure(UNIT, "lockerd.service")).toBeLessThanOrEqual(2.0);
  });
});
