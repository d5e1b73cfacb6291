/**
 * lockerctl doctor's guessing bound counts every courier PIN that signs in — the configuration's
 * and those central issued — as the daemon does at start: from the running daemon, and from the
 * database file when it is down.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BankContext } from "../../src/bank/context.js";
import { courierViews, signInEntries, type ConfiguredCourier } from "../../src/bank/couriers.js";
import { checkBruteForce } from "../../src/cli/doctor/bank-checks.js";
import { activePinCouriers, countPinCouriers } from "../../src/cli/doctor/courier-pins.js";
import { loadConfig } from "../../src/config/load.js";
import { badgeSha256, hashPin } from "../../src/kiosk/couriers.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { CommandApplier } from "../../src/sync/commands.js";
import { signedCommand, TEST_BANK_ID, testTrust } from "../support/signed-commands.js";
import { silentLog } from "../support/log.js";
import { Bank, type Run } from "./harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** Apply central's commands to a bank database file, as the sync loop would. */
async function applyCommands(dbPath: string, configured: readonly ConfiguredCourier[], commands: [string, Record<string, unknown>][]): Promise<void> {
  const store = new Store(openDatabase(dbPath));
  try {
    const ctx = { store, clock: { now: () => Date.UTC(2026, 5, 1), isSynchronised: () => true }, couriers: configured } as unknown as BankContext;
    const applier = new CommandApplier(ctx, silentLog, testTrust());
    for (const [i, [kind, args]] of commands.entries()) expect(await applier.apply(signedCommand(100 + i, { bank: TEST_BANK_ID, kind, args, issuedAt: Date.UTC(2026, 5, 1) }))).toBe("done");
  } finally {
    store.close();
  }
}

let pins: { alice: string; bob: string; carol: string; dan: string };
beforeAll(async () => {
  pins = { alice: await hashPin("24681357"), bob: await hashPin("11112222"), carol: await hashPin("13572468"), dan: await hashPin("11223344") };
});

describe("counting courier PINs", () => {
  it("from the courier listing counts exactly the PINs that sign in", () => {
    const configured = [
      { id: "alice", name: "Alice", pinHash: pins.alice },
      { id: "bob", name: "Bob", badgeSha256: badgeSha256("B"), pinHash: pins.bob },
      { id: "erin", name: "Erin", badgeSha256: badgeSha256("E") },
    ];
    const row = (name: string, over: Record<string, unknown>) => ({ name, badgeSha256: null, pinHash: null, addedAt: 1, addedCommand: 1, revokedAt: null, revokedCommand: null, ...over });
    const cases = [
      [],
      [row("carol", { pinHash: pins.carol })],
      [row("carol", { pinHash: pins.carol, revokedAt: 2 }), row("dan", { badgeSha256: badgeSha256("D"), pinHash: pins.dan })],
      [row("Alice", { addedAt: null, addedCommand: null, revokedAt: 2 })], // a configured PIN revoked
      [row("bob", { badgeSha256: badgeSha256("B2") })], // a configured PIN replaced by a badge only
      [row("erin", { pinHash: pins.dan })], // a configured badge replaced by a PIN
    ];
    const counts = cases.map((stored) => activePinCouriers(courierViews(configured, stored)));
    expect(counts).toEqual(cases.map((stored) => signInEntries(configured, stored).filter((e) => e.pinHash).length));
    expect(counts).toEqual([2, 3, 3, 1, 1, 3]);
  });

  it("asks the daemon first, reads the database when it cannot, and says when central's are unknown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockerd-pins-"));
    try {
      const configured = [{ id: "alice", name: "Alice", pinHash: pins.alice }];
      const db = join(dir, "lockerd.db");
      await applyCommands(db, configured, [["add_courier_credential", { name: "carol", pinHash: pins.carol }]]);
      const views = [{ id: "x", name: "x", source: "central", kind: "badge+pin", status: "active", addedAt: null, revokedAt: null, commandId: 1 }] as const;
      expect(await countPinCouriers(configured, () => Promise.resolve([...views]), db)).toEqual({ count: 1, source: "daemon" });
      expect(await countPinCouriers(configured, () => Promise.reject(new Error("the token lacks the role")), db)).toEqual({ count: 2, source: "database" });
      expect(await countPinCouriers(configured, null, db)).toEqual({ count: 2, source: "database" });
      // No database yet: nothing was ever issued here.
      expect(await countPinCouriers(configured, null, join(dir, "none.db"))).toEqual({ count: 1, source: "database" });
      writeFileSync(join(dir, "garbage.db"), "not a database at all, certainly not SQLite".repeat(200));
      const unreadable = await countPinCouriers(configured, null, join(dir, "garbage.db"));
      expect(unreadable).toMatchObject({ count: 1, source: "configuration", why: expect.stringMatching(/^central's credentials unreadable: /) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the bound's verdict and detail follow the PINs counted", () => {
    const cfg = { ...loadConfig({ env: {} }), kiosk: { ...loadConfig({ env: {} }).kiosk, pinDigits: 6 } };
    const one = checkBruteForce(cfg, 24, { count: 1, source: "database" });
    expect(one.status).toBe("pass");
    expect(one.detail).toMatch(/^11-digit codes, all 24 lockers full, 1 courier PIN\(s\) of 6 digits \(configuration and central, read from the database\): /);
    const four = checkBruteForce(cfg, 24, { count: 4, source: "daemon" });
    expect(four.status).toBe("fail");
    expect(four.hint).toMatch(/courier PINs count too \(kiosk\.pinDigits 6\)/);
    const unknown = checkBruteForce(cfg, 24, { count: 0, source: "configuration", why: "no database path in the configuration" });
    expect(unknown.detail).toContain("0 courier PIN(s) of 6 digits (configuration only: central's unknown, no database path in the configuration)");
  });
});

describe("lockerctl doctor with central's PINs", () => {
  const configured = () => [{ id: "alice", name: "Alice", badgeSha256: badgeSha256("BADGE-alice-01"), pinHash: pins.alice }];
  let bank: Bank;
  type Doctor = { checks: { id: string; status: string; detail: string }[] };
  const bruteforce = (r: Run) => (JSON.parse(r.stdout) as Doctor).checks.find((c) => c.id === "bruteforce")!;

  beforeAll(async () => {
    // Six-digit PINs: the configuration's one PIN passes; with central's two more the bound is
    // over 1%, which the daemon accepts only because allowWeakCodes is set.
    bank = new Bank({ couriers: configured(), kiosk: { pinDigits: 6 }, limiter: { allowWeakCodes: true } });
    await applyCommands(bank.db, configured(), [
      ["add_courier_credential", { name: "carol", pinHash: await hashPin("135724") }],
      ["add_courier_credential", { name: "dan", sha256: badgeSha256("BADGE-dan-01"), pinHash: await hashPin("112233") }],
      ["add_courier_credential", { name: "erin", sha256: badgeSha256("BADGE-erin-01") }],
      ["add_courier_credential", { name: "frank", pinHash: await hashPin("998877") }],
      ["revoke_courier_credential", { name: "frank" }],
    ]);
    await bank.start();
  });

  afterAll(async () => {
    await bank.cleanup();
  });

  it("counts them from the running daemon", async () => {
    const c = bruteforce(await bank.cli(["doctor", "--json"]));
    expect(c.detail).toContain("3 courier PIN(s) of 6 digits (configuration and central, read from the daemon)");
    expect(c.status).toBe("warn");
  });

  it("counts them from the database when the daemon is down", async () => {
    await bank.stop();
    const c = bruteforce(await bank.cli(["doctor", "--json"]));
    expect(c.detail).toContain("3 courier PIN(s) of 6 digits (configuration and central, read from the database)");
    expect(c.status).toBe("warn");
  });
});
