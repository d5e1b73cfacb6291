/**
 * Which release runs where: `lockerd --version`, `lockerctl --version` and `lockerd-central
 * --version` as programs print the package.json version and exit 0 (before reading any
 * configuration); the bank's /healthz, /sync and /metrics carry the same version.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { call, startBank, TOKENS, type TestBank } from "../api/support.js";
import { parsePrometheus, valueOf } from "../api/prom-text.js";
import { withoutLockerdVars } from "../support/daemon-process.js";

const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;

function program(entry: string, args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, entry), ...args], {
    cwd: PACKAGE_ROOT,
    // A configuration that does not exist: --version must not read it.
    env: { ...withoutLockerdVars(process.env), LOCKERD_CONFIG: "/nonexistent/lockerd.json", LOCKERD_CENTRAL_CONFIG: "/nonexistent/central.json" },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("the programs' --version", () => {
  it.each([
    ["lockerd", "src/main.ts", ["--version"]],
    ["lockerd", "src/main.ts", ["-V"]],
    ["lockerctl", "src/cli/main.ts", ["--version"]],
    ["lockerctl", "src/cli/main.ts", ["-V"]],
    ["lockerd-central", "src/central/service/main.ts", ["--version"]],
  ] as const)("%s %s %s prints its name and the package version and exits 0", (name, entry, args) => {
    const r = program(entry, [...args]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${name} ${VERSION}\n`);
  });

  it("the version is semantic (major.minor.patch)", () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });
});

describe("the bank's version in its answers", () => {
  let bank: TestBank;
  beforeAll(async () => {
    bank = await startBank();
  });
  afterAll(() => bank.stop());

  it("GET /healthz names the version, without a token", async () => {
    const r = await call(bank.url, "/healthz");
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ status: "ok", version: VERSION });
  });

  it("GET /sync names the version the bank reports upward", async () => {
    const r = await call(bank.url, "/sync", { token: TOKENS.monitor });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ configured: false, softwareVersion: VERSION });
  });

  it("/metrics has lockerd_build_info{version, node} 1", async () => {
    const r = await call(bank.url, "/metrics", { token: TOKENS.monitor });
    expect(r.status).toBe(200);
    const families = parsePrometheus(r.text);
    expect(valueOf(families, "lockerd_build_info", { version: VERSION, node: process.versions.node })).toBe(1);
  });
});
