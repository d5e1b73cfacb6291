/** A signed-in courier's standing as central's credentials change: active, revoked or replaced. */
import { describe, expect, it } from "vitest";
import { badgeSha256, CourierDirectory, hashPin } from "../../src/kiosk/couriers.js";
import type { StoredCredential } from "../../src/store/courier-credentials.js";

const row = (name: string, over: Partial<StoredCredential> = {}): StoredCredential => ({
  name,
  badgeSha256: null,
  pinHash: null,
  addedAt: 1,
  addedCommand: 1,
  revokedAt: null,
  revokedCommand: null,
  ...over,
});

describe("a signed-in courier's standing", () => {
  it("stays active while the credential used still signs in, also beside other couriers' changes", async () => {
    const pin = await hashPin("24681357");
    let stored: StoredCredential[] = [];
    const dir = new CourierDirectory([{ id: "alice", name: "Alice", badgeSha256: badgeSha256("BADGE-A"), pinHash: pin }], () => stored);
    const byBadge = dir.byBadge("BADGE-A")!;
    const byPin = (await dir.byPin("24681357"))!;
    expect(dir.standing(byBadge)).toBe("active");
    expect(dir.standing(byPin)).toBe("active");
    stored = [row("bob", { badgeSha256: badgeSha256("BADGE-B"), revokedAt: 5 })];
    expect(dir.standing(byBadge)).toBe("active");
  });

  it("is revoked once the courier cannot sign in at all: a configured courier by id or name, a central credential", () => {
    let stored: StoredCredential[] = [];
    const dir = new CourierDirectory([{ id: "alice", name: "Alice", badgeSha256: badgeSha256("BADGE-A") }], () => stored);
    const alice = dir.byBadge("BADGE-A")!;
    stored = [row("Alice", { addedAt: null, addedCommand: null, revokedAt: 9, revokedCommand: 3 })];
    expect(dir.standing(alice)).toBe("revoked");
    stored = [row("alice", { addedAt: null, addedCommand: null, revokedAt: 9, revokedCommand: 3 })];
    expect(dir.standing(alice)).toBe("revoked");

    stored = [row("bob", { badgeSha256: badgeSha256("BADGE-B") })];
    const bob = dir.byBadge("BADGE-B")!;
    expect(bob.id).toBe("bob");
    stored = [row("bob", { badgeSha256: badgeSha256("BADGE-B"), revokedAt: 10, revokedCommand: 4 })];
    expect(dir.standing(bob)).toBe("revoked");
  });

  it("is replaced when central issued another credential under the same courier: the old one no longer counts", async () => {
    const pin = await hashPin("24681357");
    let stored: StoredCredential[] = [];
    const dir = new CourierDirectory([{ id: "alice", name: "Alice", badgeSha256: badgeSha256("BADGE-A"), pinHash: pin }], () => stored);
    const byBadge = dir.byBadge("BADGE-A")!;
    const byPin = (await dir.byPin("24681357"))!;
    // Central re-issues her badge only: both the old badge and the configured PIN stop working.
    stored = [row("alice", { badgeSha256: badgeSha256("BADGE-A2") })];
    expect(dir.standing(byBadge)).toBe("replaced");
    expect(dir.standing(byPin)).toBe("replaced");
    // The same badge issued again (same hash) keeps a session signed in with it.
    stored = [row("alice", { badgeSha256: badgeSha256("BADGE-A") })];
    expect(dir.standing(byBadge)).toBe("active");
  });
});
