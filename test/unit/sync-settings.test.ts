import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/config/errors.js";
import { backoffDelay } from "../../src/basics/backoff.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("backoff", () => {
  const s = { minMs: 100, maxMs: 10_000 };
  it("grows exponentially up to the cap, with the full range of jitter", () => {
    expect(backoffDelay(1, s, () => 1)).toBe(100);
    expect(backoffDelay(4, s, () => 1)).toBe(800);
    expect(backoffDelay(30, s, () => 1)).toBe(10_000);
    expect(backoffDelay(30, s, () => 0)).toBe(100);
    expect(backoffDelay(30, s, () => 0.5)).toBe(5050);
  });
});

describe("sync configuration", () => {
  function load(sync: unknown) {
    const dir = mkdtempSync(join(tmpdir(), "lockerd-synccfg-"));
    try {
      writeFileSync(join(dir, "c.json"), JSON.stringify({ sync }));
      return loadConfig({ path: join(dir, "c.json"), env: {} });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  it("is off by default with the documented defaults", () => {
    expect(load({}).sync).toMatchObject({ enabled: false, batchSize: 20_000, retentionDays: 30, tls: "verify-full" });
  });
  it("refuses to enable sync without a server, listing the problem", () => {
    expect(() => load({ enabled: true })).toThrow(ConfigError);
    expect(() => load({ enabled: true })).toThrow(/sync\.url or sync\.host/);
    expect(() => load({ enabled: true, backoffMinMs: 5000, backoffMaxMs: 10, url: "postgresql://x@h/db" })).toThrow(/backoffMinMs/);
    expect(load({ enabled: true, url: "postgresql://x@h/db" }).sync.enabled).toBe(true);
  });
});
