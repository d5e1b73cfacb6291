import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadLayout, parseLayout } from "../../src/config/layout.js";
import { DEFAULT_LAYOUT } from "../../src/system/paths.js";
import { tempDir } from "../support/bank.js";

const SIZES = ["S", "M", "L"];
const problems = (raw: unknown): string[] => {
  try {
    parseLayout(raw, SIZES, "layout.json");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
};
const column = (...lockers: unknown[]) => ({ name: "t", columns: [{ id: "A", lockers }] });

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("bank layout", () => {
  it("the demo bank has 24 lockers: 8 S, 8 M, 8 L, unique ids", () => {
    const layout = loadLayout(DEFAULT_LAYOUT, SIZES);
    expect(layout.lockers).toHaveLength(24);
    for (const s of SIZES) expect(layout.lockers.filter((l) => l.size === s)).toHaveLength(8);
    expect(new Set(layout.lockers.map((l) => l.id)).size).toBe(24);
  });

  it("lists every duplicate id and unknown size", () => {
    expect(problems(column({ id: "A01", size: "S" }, { id: "A01", size: "M" }, { id: "A02", size: "XL" }, { id: "A03", size: "s" }))).toEqual([
      "locker A01: id used twice",
      'locker A02: size "XL" is not one of S, M, L',
      'locker A03: size "s" is not one of S, M, L',
    ]);
  });

  it("reports shape problems with their paths", () => {
    const p = problems({ name: "t", columns: [{ id: "A", lockers: [{ id: "a1", size: "S", lock: { channel: -1 } }, { size: "M" }] }], extra: 1 });
    expect(p.some((l) => l.startsWith("columns.0.lockers.0.id:") && l.includes('found "a1"'))).toBe(true);
    expect(p.some((l) => l.startsWith("columns.0.lockers.0.lock.channel:") && l.includes("found -1"))).toBe(true);
    expect(p.some((l) => l.startsWith("columns.0.lockers.1.id:") && l.includes("found nothing"))).toBe(true);
    expect(p.some((l) => /unknown key "extra"/.test(l))).toBe(true);
    expect(problems({ name: "t", columns: [] })[0]).toMatch(/^columns:/);
  });

  it("an unreadable or broken layout file is one clear problem", () => {
    const d = (dir = tempDir());
    const broken = join(d, "broken.json");
    writeFileSync(broken, "{");
    expect(() => loadLayout(broken, SIZES)).toThrow(/cannot read the layout file/);
    expect(() => loadLayout(join(d, "missing.json"), SIZES)).toThrow(/ENOENT/);
  });
});
