/**
 * Courier credentials central issues and revokes: the command takes effect at the kiosk's next
 * sign-in, a re-issued badge replaces the old one, a revocation locks out a configured courier
 * too, and all of it survives a restart.
 */
import { afterEach, describe, expect, it } from "vitest";
import { badgeSha256, hashPin } from "../../src/kiosk/couriers.js";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { CommandApplier } from "../../src/sync/commands.js";
import type { Clock } from "../../src/basics/ports.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { silentLog, testLogger } from "../support/log.js";

const ALICE_BADGE = "COURIER-BADGE-alice-4f1c9e2a7b";
const BOB_BADGE = "COURIER-BADGE-bob-77aa01c3d9";
const BOB_NEW_BADGE = "COURIER-BADGE-bob-reissued-e0b1";

let t: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

async function bank() {
  const devices = () => ({ keypad: new SimKeypad(), scanner: new SimScanner(), indicator: new SimIndicator() });
  let input = devices();
  const couriers = [{ id: "alice", name: "Alice", badgeSha256: badgeSha256(ALICE_BADGE), pinHash: await hashPin("24681357") }];
  const bank = await createTestBank({ daemon: { config: { couriers }, input }, clock: "system" });
  t = bank;
  let nextId = 1;
  /** Sign in (by scan or keys), note who, and sign out again with #. */
  async function signIn(act: () => void): Promise<string | null> {
    const { kiosk } = bank.daemon;
    act();
    await kiosk.settled();
    const s = kiosk.state();
    if (s.mode !== "courier") return null;
    input.keypad.press("#");
    await kiosk.settled();
    return s.courierId;
  }
  return {
    get input() {
      return input;
    },
    /** A central command as the sync loop hands it over. */
    command: (kind: string, args: Record<string, unknown>) => new CommandApplier(bank.daemon.ctx, silentLog).apply({ id: nextId++, kind, args }),
    /** Scan a badge at the idle kiosk: the courier id signed in, or null (then back to idle). */
    badge: (text: string) => signIn(() => input.scanner.scan(text)),
    /** Type # PIN # at the idle kiosk: the courier id signed in, or null. */
    pin: (pin: string) => signIn(() => input.keypad.press(`#${pin}#`)),
    async restart() {
      input = devices();
      await bank.reopen({ input });
    },
    lastDone: () => bank.daemon.ctx.store.events.query({ type: "command.done", newestFirst: true, limit: 1 })[0]?.data,
    lastFailed: () => bank.daemon.ctx.store.events.query({ type: "command.failed", newestFirst: true, limit: 1 })[0]?.data,
  };
}

describe("courier credentials from central", () => {
  it("an added badge signs in at the kiosk; the command's result is real, not 'recorded only'", async () => {
    const b = await bank();
    expect(await b.badge(BOB_BADGE)).toBeNull();
    expect(await b.command("add_courier_credential", { name: "bob", sha256: badgeSha256(BOB_BADGE) })).toBe("done");
    expect(await b.badge(BOB_BADGE)).toBe("bob");
    expect(b.lastDone()).toEqual({ commandId: 1, kind: "add_courier_credential", replaced: false, credential: "badge" });
    const added = t!.daemon.ctx.store.events.query({ type: "courier.credential_added" });
    expect(added.map((e) => e.data)).toEqual([{ name: "bob", kind: "badge", replaced: false, commandId: 1 }]);
    // the configured courier still signs in beside it
    expect(await b.badge(ALICE_BADGE)).toBe("alice");
  });

  it("a PIN credential signs in at the keypad", async () => {
    const b = await bank();
    expect(await b.command("add_courier_credential", { name: "carol", pinHash: await hashPin("13572468") })).toBe("done");
    expect(await b.pin("13572468")).toBe("carol");
    expect(await b.pin("24681357")).toBe("alice");
  });

  it("a re-issued badge replaces the old one: the old is refused, the new accepted", async () => {
    const b = await bank();
    await b.command("add_courier_credential", { name: "bob", sha256: badgeSha256(BOB_BADGE) });
    expect(await b.command("add_courier_credential", { name: "bob", sha256: badgeSha256(BOB_NEW_BADGE) })).toBe("done");
    expect(b.lastDone()).toMatchObject({ replaced: true });
    expect(await b.badge(BOB_BADGE)).toBeNull();
    expect(await b.badge(BOB_NEW_BADGE)).toBe("bob");
    expect(t!.daemon.ctx.store.couriers.all()).toHaveLength(1);
  });

  it("revoking refuses the badge, for a central credential and for a configured courier (badge and PIN)", async () => {
    const b = await bank();
    await b.command("add_courier_credential", { name: "bob", sha256: badgeSha256(BOB_BADGE) });
    expect(await b.command("revoke_courier_credential", { name: "bob" })).toBe("done");
    expect(b.lastDone()).toEqual({ commandId: 2, kind: "revoke_courier_credential", alreadyRevoked: false });
    expect(await b.badge(BOB_BADGE)).toBeNull();

    expect(await b.command("revoke_courier_credential", { name: "alice" })).toBe("done");
    expect(await b.badge(ALICE_BADGE)).toBeNull();
    expect(await b.pin("24681357")).toBeNull();
    expect(t!.daemon.ctx.store.events.query({ type: "courier.credential_revoked" }).map((e) => e.data)).toEqual([
      { name: "bob", commandId: 2 },
      { name: "alice", commandId: 3 },
    ]);
    // revoking twice is not an error
    expect(await b.command("revoke_courier_credential", { name: "alice" })).toBe("done");
    expect(b.lastDone()).toMatchObject({ alreadyRevoked: true });
  });

  it("revocations and credentials survive a restart; a revoked configured courier stays out until central re-adds it", async () => {
    const b = await bank();
    await b.command("add_courier_credential", { name: "bob", sha256: badgeSha256(BOB_BADGE) });
    await b.command("revoke_courier_credential", { name: "Alice" }); // by name works as well as by id
    await b.restart();
    expect(await b.badge(BOB_BADGE)).toBe("bob");
    expect(await b.badge(ALICE_BADGE)).toBeNull();

    const ALICE_NEW = "COURIER-BADGE-alice-reissued-9d";
    expect(await b.command("add_courier_credential", { name: "Alice", sha256: badgeSha256(ALICE_NEW) })).toBe("done");
    await b.restart();
    // the configured courier's id stays hers; the leaked configured badge stays refused
    expect(await b.badge(ALICE_NEW)).toBe("alice");
    expect(await b.badge(ALICE_BADGE)).toBeNull();
  });

  it("malformed arguments fail the command with a clear message and store nothing", async () => {
    const b = await bank();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: "bob" }, /^invalid arguments: a credential needs sha256 \(a badge\) or pinHash \(a PIN\)$/],
      [{ name: "bob", sha256: "XYZ" }, /sha256: 64 lowercase hex digits/],
      [{ name: "", sha256: badgeSha256(BOB_BADGE) }, /name:/],
      [{ name: "bob\n", sha256: badgeSha256(BOB_BADGE) }, /name: no control characters/],
      [{ name: "bob", pinHash: "plain-12345678" }, /pinHash: expected scrypt\$N\$r\$p\$salt\$hash/],
      [{ name: "bob", pinHash: "scrypt$1000$8$1$c2FsdHNhbHQ=$" + "A".repeat(44) }, /pinHash: N must be a power of two/],
      [{ name: "bob", pinHash: "scrypt$4194304$8$1$c2FsdHNhbHQ=$" + "A".repeat(44) }, /pinHash: N must be a power of two from 1024/],
    ];
    for (const [args, message] of cases) {
      expect(await b.command("add_courier_credential", args), JSON.stringify(args)).toBe("failed");
      expect(b.lastFailed(), JSON.stringify(args)).toMatchObject({ kind: "add_courier_credential", error: { code: "COMMAND_FAILED", message: expect.stringMatching(message) } });
    }
    expect(await b.command("revoke_courier_credential", { name: "nobody" })).toBe("failed");
    expect(b.lastFailed()).toMatchObject({ error: { code: "NOT_FOUND", message: "no courier named nobody on this bank" } });
    // a badge that already belongs to another courier
    expect(await b.command("add_courier_credential", { name: "bob", sha256: badgeSha256(ALICE_BADGE) })).toBe("failed");
    expect(b.lastFailed()).toMatchObject({ error: { code: "INVALID_STATE", message: "that badge already belongs to courier Alice" } });

    const ctx = t!.daemon.ctx;
    expect(ctx.store.couriers.all()).toEqual([]);
    expect(ctx.store.events.query({ type: "courier.credential_added" })).toEqual([]);
    expect(ctx.store.events.query({ type: "courier.credential_revoked" })).toEqual([]);
    expect(await b.badge(ALICE_BADGE)).toBe("alice");
  });

  it("PINs central issued count in the guessing bound checked at start", async () => {
    const b = await bank();
    await b.command("add_courier_credential", { name: "carol", pinHash: await hashPin("13572468") });
    await b.command("add_courier_credential", { name: "dan", sha256: badgeSha256("BADGE-dan-1"), pinHash: await hashPin("11223344") });
    await b.command("revoke_courier_credential", { name: "alice" }); // a configured PIN that no longer signs in
    const lines: Record<string, unknown>[] = [];
    await t!.reopen({ input: { keypad: new SimKeypad(), scanner: new SimScanner(), indicator: new SimIndicator() }, log: testLogger(lines) });
    expect(lines.find((l) => l.msg === "pickup guessing bound")).toMatchObject({ couriersWithPin: 2 });
  });
});
