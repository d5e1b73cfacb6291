/** Pre-advice hints in a real SQLite file: applied in order, withdrawn, taken once, pruned, bounded, and the cursor never goes back. */
import { expect, it } from "vitest";
import { MAX_HINT_AGE_MS, MAX_HINTS } from "../../../src/store/advice-hints.js";
import { storeInTempFile } from "../../support/store-file.js";

const open = storeInTempFile("lockerd-hints-");

const NOW = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;
const hint = (hintId: number, trackingRef: string, reachable = true, expiresAt = NOW + DAY) => ({ hintId, trackingRef, reachable, expiresAt });

it("applies hints in the center's order: a later one replaces, reachable false withdraws, an expired one is not kept", () => {
  const s = open();
  expect(s.adviceHints.lastHintId()).toBe(0);
  s.write(() => s.adviceHints.apply([hint(3, "A"), hint(4, "B"), hint(6, "C", true, NOW - 1)], NOW));
  s.write(() => s.adviceHints.apply([hint(8, "A", true, NOW + 2 * DAY), hint(9, "B", false)], NOW));
  expect(s.adviceHints.list()).toEqual([{ trackingRef: "A", hintId: 8, expiresAt: NOW + 2 * DAY }]);
  expect(s.adviceHints.lastHintId()).toBe(9);
});

it("a hint is taken once (used up by its parcel), not at all once expired; the cursor survives use, pruning and a restart", () => {
  let s = open();
  s.write(() => s.adviceHints.apply([hint(1, "USED"), hint(2, "LATE", true, NOW + 10), hint(3, "OLD", true, NOW + 20)], NOW));
  expect(s.write(() => s.adviceHints.take("USED", NOW))).toBe(true);
  expect(s.write(() => s.adviceHints.take("USED", NOW))).toBe(false);
  expect(s.write(() => s.adviceHints.take("LATE", NOW + 10))).toBe(false);
  expect(s.adviceHints.list().map((h) => h.trackingRef)).toEqual(["OLD"]);
  expect(s.write(() => s.adviceHints.prune(NOW + 20))).toBe(1);
  expect(s.adviceHints.list()).toEqual([]);
  s.close();
  s = open();
  expect(s.adviceHints.lastHintId()).toBe(3);
});

it("holds at most MAX_HINTS (those expiring first make room) and never longer than MAX_HINT_AGE_MS, whatever the center says", () => {
  const s = open();
  const rows = Array.from({ length: MAX_HINTS + 5 }, (_, i) => hint(i + 1, `R${i}`, true, NOW + DAY + (i < 5 ? 0 : i)));
  s.write(() => s.adviceHints.apply(rows, NOW));
  const held = s.adviceHints.list();
  expect(held).toHaveLength(MAX_HINTS);
  expect(held.some((h) => h.trackingRef === "R0" || h.trackingRef === "R4")).toBe(false);
  s.write(() => s.adviceHints.apply([hint(MAX_HINTS + 10, "FAR", true, NOW + 50 * 365 * DAY)], NOW));
  expect(s.adviceHints.list().find((h) => h.trackingRef === "FAR")?.expiresAt).toBe(NOW + MAX_HINT_AGE_MS);
  // no tracking ref the center's own route would refuse (1-64 printable ASCII characters)
  s.write(() => s.adviceHints.apply([hint(MAX_HINTS + 11, "X".repeat(65)), hint(MAX_HINTS + 12, "with space"), hint(MAX_HINTS + 13, "")], NOW));
  expect(s.adviceHints.list().some((h) => h.trackingRef.length > 64 || h.trackingRef.includes(" ") || h.trackingRef === "")).toBe(false);
  expect(s.adviceHints.lastHintId()).toBe(MAX_HINTS + 13);
});
