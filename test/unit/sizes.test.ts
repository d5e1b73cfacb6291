import { describe, expect, it } from "vitest";
import { SizeScale } from "../../src/bank/sizes.js";

describe("SizeScale", () => {
  it("ranks sizes in configured order and rejects unknown ones", () => {
    const s = new SizeScale(["S", "M", "L"]);
    expect([s.rankOf("S"), s.rankOf("M"), s.rankOf("L")]).toEqual([0, 1, 2]);
    expect(s.has("XL")).toBe(false);
    expect(() => s.rankOf("XL")).toThrow(/unknown locker size/);
  });
});
