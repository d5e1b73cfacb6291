/**
 * lockerd-central's systemd unit, checked as systemd reads it (the same way as lockerd's own
 * unit in unit-file.test.ts): verify against a scratch root prints nothing, and the offline
 * security exposure stays at 2.0 or lower.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const UNIT = join(ROOT, "systemd", "lockerd-central.service");
const DISTRO_UNITS = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((d) => existsSync(join(d, "sysinit.target")));

describe("systemd/lockerd-central.service", { timeout: 60_000 }, () => {
  let scratch: string;
  const text = readFileSync(UNIT, "utf8");

  beforeAll(() => {
    expect(DISTRO_UNITS, "systemd's units (Debian package systemd) must be installed").toBeDefined();
    scratch = mkdtempSync(join(tmpdir(), "lockerd-central-unit-"));
    cpSync(DISTRO_UNITS!, join(scratch, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(scratch, "etc/systemd/system"), { recursive: true });
    writeFileSync(join(scratch, "etc/systemd/system/lockerd-central.service"), text);
    for (const m of text.matchAll(/^Exec[A-Za-z]+=[-@:+!]*(\S+)/gm)) {
      const stub = join(scratch, m[1]!);
      mkdirSync(dirname(stub), { recursive: true });
      writeFileSync(stub, "#!/bin/sh\nexit 0\n");
      chmodSync(stub, 0o755);
    }
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("runs the built service with its configuration, restarts, and tells systemd when it is ready", () => {
    expect(text).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/lockerd\/dist\/src\/central\/service\/main\.js serve --config \/etc\/lockerd\/central\.json$/m);
    expect(text).toMatch(/^Type=notify$/m);
    expect(text).toMatch(/^WatchdogSec=/m);
    expect(text).toMatch(/^Restart=always$/m);
    expect(text).not.toMatch(/^MemoryDenyWriteExecute=(yes|true|1)/m);
  });

  it("passes systemd-analyze verify without a word of output", () => {
    const r = spawnSync("systemd-analyze", ["verify", `--root=${scratch}`, "lockerd-central.service"], { encoding: "utf8" });
    expect(r.error).toBeUndefined();
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("the verify check catches a misspelt key", () => {
    const bad = join(scratch, "etc/systemd/system/lockerd-central-bad.service");
    writeFileSync(bad, text.replace(/^WatchdogSec=/m, "WatchdogSecs="));
    try {
      const r = spawnSync("systemd-analyze", ["verify", `--root=${scratch}`, "lockerd-central-bad.service"], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toContain("WatchdogSecs");
    } finally {
      rmSync(bad);
    }
  });

  it("has an exposure of 2.0 or lower by systemd-analyze security --offline=true", () => {
    const out = execFileSync("systemd-analyze", ["security", "--offline=true", "--no-pager", UNIT], { encoding: "utf8" });
    const m = /Overall exposure level for lockerd-central\.service: (\d+\.\d)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.0);
  });
});
