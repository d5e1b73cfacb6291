/** The real daemon refuses a bad configuration at startup, listing every problem, exit 78. */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { tempDir } from "../support/bank.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runDaemon(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "src", "main.ts"), ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, LOCKERD_CONFIG: "", LOCKERD_API_TOKEN: "", LOCKERD_DB: "", LOCKERD_HTTP: "", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe("daemon startup", () => {
  it("a bad configuration file stops it with every problem listed and exit code 78", () => {
    dir = tempDir("lockerd-start-");
    const config = join(dir, "bad.json");
    writeFileSync(config, JSON.stringify({ http: { port: "eighty" }, codes: { digits: 4 }, typo: 1 }));
    const r = runDaemon(["--config", config], { LOCKERD_HTTP: "nowhere", LOCKERD_DB: join(dir, "b.db") });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain("invalid configuration");
    expect(r.stderr).toContain("4 problems");
    expect(r.stderr).toMatch(/LOCKERD_HTTP: expected host:port/);
    expect(r.stderr).toMatch(/http\.port: .*expected number.*found "eighty"/);
    expect(r.stderr).toMatch(/codes\.digits: .*>=6.*found 4/);
    expect(r.stderr).toMatch(/unknown key "typo"/);
  });

  it("a layout with a duplicate locker id stops it with exit code 78", () => {
    dir = tempDir("lockerd-start-");
    writeFileSync(join(dir, "layout.json"), JSON.stringify({ name: "dup", columns: [{ id: "A", lockers: [{ id: "A01", size: "S" }, { id: "A01", size: "Q" }] }] }));
    writeFileSync(join(dir, "cfg.json"), JSON.stringify({ bank: { layout: "layout.json" }, dataDir: "data" }));
    const r = runDaemon(["--config", join(dir, "cfg.json")], { LOCKERD_HTTP: "127.0.0.1:0" });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain("locker A01: id used twice");
    expect(r.stderr).toContain('locker A01: size "Q" is not one of S, M, L');
  });
});
