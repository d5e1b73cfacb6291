import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CodeBook, PICKUP_TOKEN_PATTERN } from "../../src/bank/codes.js";
import { cryptoRandom } from "../../src/basics/ports.js";
import { loadConfig } from "../../src/config/load.js";
import { CourierDirectory, badgeSha256, hashPin } from "../../src/kiosk/couriers.js";
import { kioskSettings } from "../../src/kiosk/start.js";
import { terminalKey } from "../../src/input/terminal-keypad.js";

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function load(raw: unknown) {
  dir = mkdtempSync(join(tmpdir(), "lockerd-cfg-"));
  const path = join(dir, "c.json");
  writeFileSync(path, JSON.stringify(raw));
  return loadConfig({ path, env: {} });
}

describe("kiosk configuration", () => {
  it("has working defaults: no devices, size keys 1..n for the bank's sizes", () => {
    const cfg = load({});
    expect(cfg.input.keypad.type).toBe("none");
    expect(cfg.limiter.maxFailures).toBe(5);
    expect(kioskSettings(cfg).sizeKeys).toEqual({ "1": "S", "2": "M", "3": "L" });
  });

  it("lists every problem with its key", () => {
    expect(() => load({ input: { scanner: { suffix: "NUL", allowedSymbologies: ["]Q1"] } }, couriers: [{ id: "x", name: "X" }], limiter: { maxFailures: 0 } })).toThrow(
      /input\.scanner\.suffix[\s\S]*input\.scanner\.allowedSymbologies\.0[\s\S]*couriers\.0[\s\S]*limiter\.maxFailures/,
    );
  });

  it("refuses size keys naming unknown sizes or clashing with courier keys", () => {
    expect(() => kioskSettings(load({ kiosk: { sizeKeys: { "1": "XL", "0": "S" } } }))).toThrow(/kiosk\.sizeKeys\.1[\s\S]*collectExpired: key 0 is also a size key/);
  });
});

describe("credentials and tokens", () => {
  it("matches a courier by badge or scrypt-hashed PIN and nothing else", async () => {
    const pinHash = await hashPin("12345678");
    const dir = new CourierDirectory([
      { id: "a", name: "A", badgeSha256: badgeSha256("BADGE-A") },
      { id: "b", name: "B", pinHash },
    ]);
    expect(dir.byBadge("BADGE-A")).toEqual({ id: "a", name: "A", credential: badgeSha256("BADGE-A") });
    expect(dir.byBadge("BADGE-B")).toBeNull();
    expect(await dir.byPin("12345678")).toEqual({ id: "b", name: "B", credential: pinHash });
    expect(await dir.byPin("12345679")).toBeNull();
  });

  it("salts each PIN hash", async () => {
    expect(await hashPin("12345678")).not.toBe(await hashPin("12345678"));
  });

  it("issues 32-character base32 pickup tokens, keyed-hashed apart from codes", () => {
    const book = new CodeBook(Buffer.alloc(32, 7), 8);
    const tokens = new Set(Array.from({ length: 200 }, () => book.generateToken(cryptoRandom)));
    expect(tokens.size).toBe(200);
    for (const t of tokens) expect(t).toMatch(PICKUP_TOKEN_PATTERN);
    expect(book.generateToken({ int: () => 0, bytes: (n) => Buffer.alloc(n, 0xff) })).toBe("7".repeat(32));
    expect(book.hashToken("12345678").equals(book.hash("12345678"))).toBe(false);
  });

  it("maps terminal keys: Enter is #, DEL is Backspace", () => {
    expect(["5", "\r", "*", "\x7f", "\x1b", "a"].map(terminalKey)).toEqual(["5", "#", "*", "backspace", "escape", undefined]);
  });
});
