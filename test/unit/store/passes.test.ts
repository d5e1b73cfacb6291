/** Pass revocations and spent passes in a real SQLite file: kept until their pass expires, never two spends. */
import { describe, expect, it } from "vitest";
import { storeInTempFile } from "../../support/store-file.js";

const open = storeInTempFile("lockerd-passes-");

const P1 = "11".repeat(16);
const P2 = "22".repeat(16);

describe("store.passes", () => {
  it("holds revocations by pass and by subject, ignores one seen before, and reports the last id", () => {
    const s = open();
    expect(s.passes.lastRevocationId()).toBe(0);
    s.write(() =>
      s.passes.addRevocations([
        { revocationId: 3, passId: P1, subject: null, notAfter: 1000 },
        { revocationId: 5, passId: null, subject: "dhl:anna", notAfter: 5000 },
      ]),
    );
    s.write(() => s.passes.addRevocations([{ revocationId: 3, passId: P2, subject: null, notAfter: 1000 }]));
    expect(s.passes.lastRevocationId()).toBe(5);
    expect(s.passes.isRevoked(P1, null)).toBe(true);
    expect(s.passes.isRevoked(P2, null)).toBe(false);
    expect(s.passes.isRevoked(P2, "dhl:anna")).toBe(true);
    expect(s.passes.isRevoked(P2, "dhl:bert")).toBe(false);
  });

  it("prunes what has expired anyway, but keeps the newest revocation so the pull never goes back", () => {
    const s = open();
    s.write(() =>
      s.passes.addRevocations([
        { revocationId: 1, passId: P1, subject: null, notAfter: 1000 },
        { revocationId: 2, passId: P2, subject: null, notAfter: 2000 },
      ]),
    );
    s.write(() => s.passes.spend({ passId: P1, kind: "return", notAfter: 1500, intentId: null }, 10));
    expect(s.write(() => s.passes.prune(1000))).toBe(1);
    expect(s.passes.isRevoked(P1, null)).toBe(false);
    expect(s.write(() => s.passes.prune(99_999))).toBe(1);
    expect(s.passes.isRevoked(P2, null)).toBe(true);
    expect(s.passes.lastRevocationId()).toBe(2);
    expect(s.passes.spent(P1)).toBeUndefined();
  });

  it("refuses to spend a pass twice", () => {
    const s = open();
    s.write(() => s.passes.spend({ passId: P1, kind: "return", notAfter: 1500, intentId: null }, 10));
    expect(s.passes.spent(P1)).toMatchObject({ passId: P1, kind: "return", spentAt: 10 });
    expect(() => s.write(() => s.passes.spend({ passId: P1, kind: "return", notAfter: 1500, intentId: null }, 11))).toThrow(/UNIQUE/);
  });
});
