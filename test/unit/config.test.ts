import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";
import { DEFAULT_LAYOUT, PACKAGE_ROOT } from "../../src/system/paths.js";
import { tempDir } from "../support/bank.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("lockerd-config-");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
}
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("with no file and no environment runs the demo bank: ./var database, 127.0.0.1:8080", () => {
    const cfg = loadConfig({ env: {}, cwd: dir });
    expect(cfg.paths).toEqual({
      config: null,
      layout: DEFAULT_LAYOUT,
      database: join(dir, "var", "lockerd.db"),
      secret: join(dir, "var", "secret.key"),
      socket: join(dir, "var", "lockerd.sock"),
      tls: null,
    });
    expect(cfg.http).toEqual({ host: "127.0.0.1", port: 8080, bodyLimitBytes: 16_384, tls: null, socketMode: "0660", socketGroup: null });
    expect(cfg.hardware.driver).toBe("sim");
    expect(cfg.hardware.sim.person).toEqual({ enabled: true, openDelayMs: 1500, closeDelayMs: 4000 });
    expect(cfg.codes.digits).toBe(11);
    expect(cfg.parcels.pickupWindowHours).toBe(72);
    expect(cfg.bank.sizes).toEqual(["S", "M", "L"]);
    expect(cfg.envToken).toBeNull();
    expect(DEFAULT_LAYOUT.startsWith(PACKAGE_ROOT)).toBe(true);
  });

  it("a bad file lists every problem with its key path, what was expected and what was found", () => {
    const path = write("bad.json", {
      bank: { id: "bad id!", sizes: "S" },
      http: { port: 70000 },
      codes: { digits: 5 },
      doors: { pulseMs: "fast" },
      hardware: { sim: { person: { openDelayMs: -1 } } },
      log: { level: "loud" },
      surprise: true,
    });
    const problems = problemsOf(() => loadConfig({ path, env: {} }));
    expect(problems).toHaveLength(8);
    const expectLine = (key: string, ...parts: RegExp[]) => {
      const line = problems.find((p) => p.startsWith(`${key}:`));
      expect(line, `a problem for ${key} in\n${problems.join("\n")}`).toBeDefined();
      for (const re of parts) expect(line).toMatch(re);
    };
    expectLine("bank.id", /letters, digits/, /found "bad id!"/);
    expectLine("bank.sizes", /expected array/, /found "S"/);
    expectLine("http.port", /<=65535/, /found 70000/);
    expectLine("codes.digits", />=6/, /found 5/);
    expectLine("doors.pulseMs", /expected number/, /found "fast"/);
    expectLine("hardware.sim.person.openDelayMs", />=1/, /found -1/);
    expectLine("log.level", /expected one of/, /found "loud"/);
    expect(problems.some((p) => /unknown key "surprise"/.test(p))).toBe(true);
    // The message a person sees names the file and lists each problem.
    const err = (() => {
      try {
        loadConfig({ path, env: {} });
      } catch (e) {
        return e as Error;
      }
    })()!;
    expect(err.message).toContain(path);
    expect(err.message).toContain("8 problems");
  });

  it("environment overrides: LOCKERD_DB, LOCKERD_HTTP, LOCKERD_API_TOKEN", () => {
    const path = write("cfg.json", { database: { path: "from-file.db" }, http: { host: "0.0.0.0", port: 9000 } });
    const cfg = loadConfig({ path, env: { LOCKERD_DB: "rel/env.db", LOCKERD_HTTP: "127.0.0.1:0", LOCKERD_API_TOKEN: "a-token-of-16-chars" }, cwd: dir });
    expect(cfg.paths.database).toBe(join(dir, "rel", "env.db"));
    expect(cfg.http).toMatchObject({ host: "127.0.0.1", port: 0 });
    expect(cfg.envToken).toBe("a-token-of-16-chars");
    expect(loadConfig({ env: { LOCKERD_HTTP: "[::1]:8081" } }).http).toMatchObject({ host: "::1", port: 8081 });
    // Without overrides the file's values hold; relative paths are relative to the file.
    const plain = loadConfig({ path, env: {} });
    expect(plain.paths.database).toBe(join(dir, "from-file.db"));
    expect(plain.http).toMatchObject({ host: "0.0.0.0", port: 9000 });
  });

  it("bad environment overrides are listed like file problems, together with them", () => {
    const path = write("cfg.json", { codes: { digits: 13 } });
    const problems = problemsOf(() => loadConfig({ path, env: { LOCKERD_HTTP: "localhost", LOCKERD_API_TOKEN: "short" } }));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^LOCKERD_HTTP: expected host:port.*found "localhost"/);
    expect(problems[1]).toMatch(/^LOCKERD_API_TOKEN: expected at least 16 characters$/);
    expect(problems[2]).toMatch(/^codes\.digits: .*<=12.*found 13/);
    expect(problemsOf(() => loadConfig({ env: { LOCKERD_HTTP: "127.0.0.1:70000" } }))[0]).toMatch(/LOCKERD_HTTP/);
  });

  it("LOCKERD_CONFIG names the file when no path is given", () => {
    const path = write("cfg.json", { bank: { id: "north-7" } });
    expect(loadConfig({ env: { LOCKERD_CONFIG: path } }).bank.id).toBe("north-7");
  });

  it("invalid JSON and a missing file are one clear problem each", () => {
    const bad = write("broken.json", "{ \"bank\": ");
    expect(problemsOf(() => loadConfig({ path: bad, env: {} }))).toEqual([expect.stringMatching(/^not valid JSON: /)]);
    const missing = join(dir, "nope.json");
    expect(problemsOf(() => loadConfig({ path: missing, env: {} }))).toEqual([expect.stringMatching(/^cannot read the configuration file: .*ENOENT/)]);
    const notObject = write("array.json", "[1,2]");
    expect(problemsOf(() => loadConfig({ path: notObject, env: {} }))[0]).toMatch(/^\(top level\): .*expected object/);
  });

  it("the example configuration in hardware/ is valid", () => {
    const cfg = loadConfig({ path: join(PACKAGE_ROOT, "hardware", "config.example.json"), env: {} });
    expect(cfg.bank.id).toBeTruthy();
    expect(cfg.paths.layout).toBe(DEFAULT_LAYOUT);
  });
});

describe("hardware/config.example.json", () => {
  it("lists every key that has a default, with that default", () => {
    const example = JSON.parse(readFileSync(join(PACKAGE_ROOT, "hardware", "config.example.json"), "utf8")) as unknown;
    expect(example).toEqual(JSON.parse(JSON.stringify(configSchema.parse({}))));
  });
});
