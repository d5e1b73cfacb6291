/**
 * A bank runs a central command only when an operator's key it trusts signed it for this bank,
 * within its validity, once; it caps remote door opens whatever the center says; and a door
 * command's outcome is the door's. (The bank's own rules, no central database: see
 * signed-commands-end-to-end.test.ts for the whole path.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { generateKeyPair, signerFromPem } from "../../src/signing/ed25519.js";
import { signCommand } from "../../src/signing/signed-command.js";
import type { CentralCommand } from "../../src/sync/central-link.js";
import { createTestBank, type TestBank } from "../support/bank.js";
import { signedCommand, TEST_BANK_ID, testApplier, TEST_OPERATOR } from "../support/signed-commands.js";

const LOCKERS = [["A01", "S"], ["A02", "S"], ["A03", "S"], ["A04", "S"], ["B01", "M"], ["B02", "M"]] as const;
const MIN = 60_000;

let bank: TestBank | null = null;
afterEach(async () => {
  await bank?.dispose();
  bank = null;
});

async function newBank(): Promise<TestBank> {
  bank = await createTestBank({ lockers: LOCKERS, doors: { openTimeoutMs: 10_000 } });
  return bank;
}

const open = (b: TestBank, id: number, lockerId: string, over: { issuedAt?: number; ttlMs?: number; bank?: string; force?: boolean } = {}): CentralCommand =>
  signedCommand(id, { bank: over.bank ?? TEST_BANK_ID, kind: "open_door", args: over.force ? { lockerId, force: true } : { lockerId }, issuedAt: over.issuedAt ?? b.clock.now(), ttlMs: over.ttlMs });

function refusals(b: TestBank): unknown[] {
  return b.events("alarm.command_refused").map((e) => e.data.reason);
}

describe("refused before anything moves", () => {
  it("unsigned, malformed, an unknown key, a wrong signature, another bank: each an alarm and the command's failure", async () => {
    const b = await newBank();
    const { applier } = testApplier(b.ctx);
    const good = open(b, 1, "A01");
    const stranger = signerFromPem(generateKeyPair().privatePem);
    const byStranger = signCommand(stranger, { bank: TEST_BANK_ID, kind: "open_door", args: { lockerId: "A01" }, issuedAt: b.clock.now() });
    const cases: [CentralCommand, string][] = [
      [{ id: 1, kind: "open_door", args: { lockerId: "A01" } }, "UNSIGNED"],
      [{ ...good, id: 2, signedPayload: good.signedPayload!.replace('"v":1', '"v": 1') }, "MALFORMED"],
      [{ id: 3, kind: "open_door", args: {}, signedPayload: byStranger.payload, signature: byStranger.signature }, "UNKNOWN_KEY"],
      [{ ...good, id: 4, signedPayload: good.signedPayload!.replace("A01", "A02") }, "BAD_SIGNATURE"],
      [open(b, 5, "A01", { bank: "another-bank" }), "OTHER_BANK"],
    ];
    for (const [cmd, reason] of cases) expect(await applier.apply(cmd), reason).toBe("refused");
    expect(refusals(b)).toEqual(cases.map(([, r]) => r));
    expect(b.pulses()).toEqual([]);
    const failed = b.events("command.failed").map((e) => e.data);
    expect(failed).toEqual(cases.map(([c, reason]) => ({ commandId: c.id, kind: "open_door", error: expect.objectContaining({ code: "COMMAND_REFUSED", reason }) })));
    expect(b.ctx.store.commands.refused(10).map((r) => [r.id, r.refusal])).toEqual(cases.map(([c, r]) => [c.id, r]).reverse());
    // pulled again before its outcome reached the center: not refused twice
    expect(await applier.apply(cases[0]![0])).toBe("skipped");
    // the row's own kind and args are never acted on: only the signed payload
    expect(await applier.apply({ ...open(b, 6, "A03"), kind: "open_door", args: { lockerId: "A04" } })).toBe("started");
    expect(b.pulses()).toEqual(["A03"]);
  });

  it("a signed command replayed under a new central id is refused, also after a restart", async () => {
    const b = await newBank();
    const first = signedCommand(10, { bank: TEST_BANK_ID, kind: "out_of_service", args: { lockerId: "A02", reason: "wet" }, issuedAt: b.clock.now() });
    expect(await testApplier(b.ctx).applier.apply(first)).toBe("done");
    expect(await testApplier(b.ctx).applier.apply({ ...first, id: 11 })).toBe("refused");
    await b.reopen();
    expect(await testApplier(b.ctx).applier.apply({ ...first, id: 12 })).toBe("refused");
    expect(refusals(b)).toEqual(["REPLAYED", "REPLAYED"]);
    expect(b.events("locker.out_of_service")).toHaveLength(1);
  });
});

describe("time", () => {
  it("expired, issued in the future, or valid for too long: refused; within the clock-skew allowance: accepted", async () => {
    const b = await newBank();
    const { applier } = testApplier(b.ctx, TEST_BANK_ID, { clockSkewMs: 2 * MIN, maxValidityMs: 60 * MIN });
    const now = b.clock.now();
    const svc = (id: number, issuedAt: number, ttlMs = 10 * MIN) => signedCommand(id, { bank: TEST_BANK_ID, kind: "in_service", args: { lockerId: "A01" }, issuedAt, ttlMs });
    expect(await applier.apply(svc(1, now - 13 * MIN))).toBe("refused"); // expired 3 minutes ago
    expect(await applier.apply(svc(2, now - 11 * MIN))).toBe("done"); // expired 1 minute ago: within the skew
    expect(await applier.apply(svc(3, now + 3 * MIN))).toBe("refused"); // from the future
    expect(await applier.apply(svc(4, now + 1 * MIN))).toBe("done");
    expect(await applier.apply(svc(5, now, 61 * MIN))).toBe("refused");
    expect(refusals(b)).toEqual(["EXPIRED", "NOT_YET_VALID", "TOO_LONG"]);
  });

  it("an unsynchronised clock cannot make a command look fresh once a newer one has been accepted", async () => {
    const b = await newBank();
    b.clock.synchronised = false;
    const { applier } = testApplier(b.ctx);
    const behind = b.clock.now();
    // the clock is a day behind (no RTC, no NTP yet): a command issued now is not "from the future"
    const today = signedCommand(1, { bank: TEST_BANK_ID, kind: "in_service", args: { lockerId: "A01" }, issuedAt: behind + 86_400_000 });
    expect(await applier.apply(today)).toBe("done");
    // one signed yesterday, which the slow clock would take as fresh: expired by the newer one
    const old = signedCommand(2, { bank: TEST_BANK_ID, kind: "in_service", args: { lockerId: "A01" }, issuedAt: behind });
    expect(await applier.apply(old)).toBe("refused");
    expect(b.events("alarm.command_refused")[0]!.data).toMatchObject({ reason: "EXPIRED", message: expect.stringContaining("clock not synchronised") });
    // the floor is kept across a restart
    await b.reopen();
    expect(await testApplier(b.ctx).applier.apply({ ...old, id: 3 })).toBe("refused");
  });

  it("a signed id is forgotten only once its command would be refused as expired anyway", async () => {
    const b = await newBank();
    const { applier } = testApplier(b.ctx, TEST_BANK_ID, { clockSkewMs: MIN });
    const first = signedCommand(1, { bank: TEST_BANK_ID, kind: "in_service", args: { lockerId: "A01" }, issuedAt: b.clock.now() });
    expect(await applier.apply(first)).toBe("done");
    b.clock.advance(10 * MIN);
    // still inside the skew allowance: remembered
    expect(await applier.apply({ ...first, id: 2 })).toBe("refused");
    b.clock.advance(2 * MIN);
    expect(await applier.apply(signedCommand(3, { bank: TEST_BANK_ID, kind: "in_service", args: { lockerId: "A02" }, issuedAt: b.clock.now() }))).toBe("done");
    expect(b.ctx.store.commands.seenSignedId(JSON.parse(first.signedPayload!).id)).toBeUndefined();
    expect(await applier.apply({ ...first, id: 4 })).toBe("refused");
    expect(refusals(b)).toEqual(["REPLAYED", "EXPIRED"]);
  });
});

describe("blast radius", () => {
  it("at most N remote door opens per hour, whatever the center sends; the next hour allows more", async () => {
    const b = await newBank();
    const { applier } = testApplier(b.ctx, TEST_BANK_ID, { maxRemoteOpensPerHour: 3 });
    const outcomes = [];
    for (const [i, id] of ["A01", "A02", "A03", "A04", "B01"].entries()) outcomes.push(await applier.apply(open(b, 100 + i, id)));
    expect(outcomes).toEqual(["started", "started", "started", "refused", "refused"]);
    expect(b.pulses()).toEqual(["A01", "A02", "A03"]);
    expect(b.events("alarm.command_refused").map((e) => e.data)).toEqual([
      expect.objectContaining({ commandId: 103, reason: "RATE_LIMITED" }),
      expect.objectContaining({ commandId: 104, reason: "RATE_LIMITED" }),
    ]);
    b.clock.advance(61 * MIN);
    expect(await applier.apply(open(b, 200, "B01"))).toBe("started");
  });

  it("one door per command, and a locker holding a parcel only with force", async () => {
    const b = await newBank();
    const { applier } = testApplier(b.ctx);
    const a = await b.depositParcel("S");
    const two = signedCommand(1, { bank: TEST_BANK_ID, kind: "open_door", args: { lockerId: "B01", lockerIds: ["B02"] }, issuedAt: b.clock.now() });
    expect(await applier.apply(two)).toBe("failed");
    expect(await applier.apply(open(b, 2, a.lockerId))).toBe("failed");
    expect(b.events("command.failed").map((e) => (e.data.error as { code: string }).code)).toEqual(["COMMAND_FAILED", "LOCKER_OCCUPIED"]);
    expect(b.pulses()).toEqual([a.lockerId]); // the deposit's own
    expect(await applier.apply(open(b, 3, a.lockerId, { force: true }))).toBe("started");
    expect(b.pulses()).toEqual([a.lockerId, a.lockerId]);
    expect(b.events("door.remote_open").at(-1)!.data).toMatchObject({ commandId: 3, forced: true, keyId: TEST_OPERATOR.keyId });
  });
});

describe("a door command's outcome is the door's", () => {
  it("done only once the door opened", async () => {
    const b = await newBank();
    expect(await testApplier(b.ctx).applier.apply(open(b, 7, "A02"))).toBe("started");
    expect(b.events("command.")).toEqual([]);
    b.move("A02", "open");
    expect(b.events("command.").map((e) => [e.type, e.data])).toEqual([["command.done", expect.objectContaining({ commandId: 7, kind: "open_door", lockerId: "A02" })]]);
  });

  it("failed when a jammed door did not open in time", async () => {
    const b = await newBank();
    b.sim.setFault("A02", "jammed");
    expect(await testApplier(b.ctx).applier.apply(open(b, 8, "A02"))).toBe("started");
    b.clock.advance(9_000);
    expect(b.events("command.")).toEqual([]);
    b.clock.advance(1_000);
    expect(b.events("command.").map((e) => [e.type, e.data])).toEqual([["command.failed", { commandId: 8, kind: "open_door", error: { code: "DOOR_DID_NOT_OPEN", message: expect.any(String) } }]]);
  });

  it("a restart before the door opened reports it failed; the door is not driven again", async () => {
    const b = await newBank();
    expect(await testApplier(b.ctx).applier.apply(open(b, 9, "A03"))).toBe("started");
    await b.reopen();
    const applier = testApplier(b.ctx).applier;
    applier.recoverInterrupted();
    expect(b.events("command.").map((e) => [e.type, (e.data.error as { code?: string } | undefined)?.code])).toEqual([["command.failed", "INTERRUPTED"]]);
    expect(await applier.apply(open(b, 9, "A03"))).toBe("skipped");
    expect(b.pulses()).toEqual([]); // (a new lock bank since the restart)
  });
});
