/** Passes at the bank, on a real SQLite file: every refusal recorded, one-time passes spent once, returns stored and collected. */
import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { courierByPass, passStillValid, technicianByPass } from "../../../src/bank/pass-sign-in.js";
import { prunePasses } from "../../../src/bank/passes.js";
import { collectReturn, dropReturn } from "../../../src/bank/returns.js";
import { parseLayout } from "../../../src/config/layout.js";
import { signPass } from "../../../src/signing/pass.js";
import { createTestBank, eventTypes, SIZES, type TestBank } from "../../support/bank.js";
import { passIssuer } from "../../support/passes.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

const issuer = passIssuer();
const refusals = (b: TestBank) => b.events("pass.refused").map((e) => e.data.reason);

async function bankOf(lockers: [string, string][] = [["A01", "S"], ["A02", "S"], ["A03", "M"]], more: Parameters<typeof issuer.rules>[1] = {}): Promise<TestBank> {
  bank = await createTestBank({ lockers, passes: issuer.rules("B1", more) });
  return bank;
}

describe("a pass at the bank", () => {
  it("is refused when forged, for another bank, expired, not yet valid or revoked; each refusal is recorded and opens nothing", async () => {
    const b = await bankOf();
    const now = b.clock.now();
    const stranger = generateKeyPairSync("ed25519").privateKey;
    const forged = signPass(issuer.returnPass(now).fields, stranger);
    await expect(dropReturn(b.ctx, forged)).rejects.toMatchObject({ code: "PASS_REFUSED", details: { reason: "unknown_key" } });
    const tampered = issuer.returnPass(now).text.slice(0, -8) + "AAAAAAAA";
    await expect(dropReturn(b.ctx, tampered)).rejects.toMatchObject({ code: "PASS_REFUSED", details: { reason: "bad_signature" } });
    await expect(dropReturn(b.ctx, issuer.returnPass(now, { banks: ["B2"] }).text)).rejects.toMatchObject({ details: { reason: "wrong_bank" } });
    await expect(dropReturn(b.ctx, issuer.returnPass(now - 8 * 86_400_000).text)).rejects.toMatchObject({ details: { reason: "expired" } });
    await expect(dropReturn(b.ctx, issuer.returnPass(now + 86_400_000).text)).rejects.toMatchObject({ details: { reason: "not_yet_valid" } });
    const revoked = issuer.returnPass(now);
    b.store.write(() => b.store.passes.addRevocations([{ revocationId: 1, passId: revoked.fields.passId, subject: null, notAfter: revoked.fields.notAfter }]));
    await expect(dropReturn(b.ctx, revoked.text)).rejects.toMatchObject({ message: "this pass has been revoked", details: { reason: "revoked" } });
    await expect(dropReturn(b.ctx, "LP1NOTAPASS")).rejects.toMatchObject({ details: { reason: "malformed" } });
    await expect(dropReturn(b.ctx, issuer.courierPass(now).text)).rejects.toMatchObject({ details: { reason: "wrong_kind" } });
    expect(refusals(b)).toEqual(["unknown_key", "bad_signature", "wrong_bank", "expired", "not_yet_valid", "revoked", "malformed", "wrong_kind"]);
    // the forged pass's claims are not repeated in the log
    expect(b.events("pass.refused")[0]!.data).toEqual({ kind: null, passId: null, reason: "unknown_key" });
    expect(b.events("pass.refused")[2]!.data).toMatchObject({ kind: "return", reason: "wrong_bank" });
    expect(b.pulses()).toEqual([]);
    expect(b.store.lockers.list().map((l) => l.status)).toEqual(["AVAILABLE", "AVAILABLE", "AVAILABLE"]);
  });

  it("is refused by a bank that trusts no pass key", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    await expect(dropReturn(bank.ctx, issuer.returnPass(bank.clock.now()).text)).rejects.toMatchObject({ details: { reason: "unknown_key" } });
  });

  it("gets the clock grace, and only it, while the bank's clock is not synchronised", async () => {
    const b = await bankOf();
    const late = issuer.returnPass(b.clock.now() - 7 * 86_400_000 - 30 * 60_000); // expired 29 minutes ago
    await expect(dropReturn(b.ctx, late.text)).rejects.toMatchObject({ details: { reason: "expired" } });
    b.clock.synchronised = false;
    await expect(dropReturn(b.ctx, late.text)).resolves.toMatchObject({ lockerId: "A01" });
    const older = issuer.returnPass(b.clock.now() - 7 * 86_400_000 - 62 * 60_000); // 61 minutes
    await expect(dropReturn(b.ctx, older.text)).rejects.toMatchObject({ details: { reason: "expired" } });
  });

  it("a one-time pass opens one door once; a door that never opened gives it back", async () => {
    const b = await bankOf();
    const p = issuer.returnPass(b.clock.now());
    const first = await dropReturn(b.ctx, p.text);
    expect(b.store.passes.spent(p.fields.passId)).toMatchObject({ intentId: first.intentId });
    await expect(dropReturn(b.ctx, p.text)).rejects.toMatchObject({ details: { reason: "used" } });
    b.clock.advance(30_000); // the door never opened
    expect(b.store.passes.spent(p.fields.passId)).toBeUndefined();
    expect(b.store.parcels.get(first.parcelId)).toMatchObject({ status: "CANCELLED", inLocker: false });
    expect(b.events("parcel.")).toEqual([]); // the center keeps no parcel row for a return
    const again = await dropReturn(b.ctx, p.text);
    b.open(again.lockerId);
    b.close(again.lockerId);
    await expect(dropReturn(b.ctx, p.text)).rejects.toMatchObject({ details: { reason: "used" } });
    expect(b.store.parcels.find({}).filter((x) => x.inLocker)).toHaveLength(1);
  });
});

describe("what the bank keeps of passes", () => {
  it("keeps a spent pass and a revocation until the pass could not be accepted anyway (its notAfter plus the clock grace)", async () => {
    const b = await bankOf();
    const p = issuer.returnPass(b.clock.now());
    const r = issuer.returnPass(b.clock.now());
    const drop = await dropReturn(b.ctx, p.text);
    b.open(drop.lockerId);
    b.close(drop.lockerId);
    b.store.write(() => b.store.passes.addRevocations([{ revocationId: 1, passId: r.fields.passId, subject: null, notAfter: r.fields.notAfter }, { revocationId: 2, passId: "ab".repeat(16), subject: null, notAfter: r.fields.notAfter + 86_400_000 }]));
    b.clock.advance(r.fields.notAfter - b.clock.now() + 3_600_000 - 1);
    expect(prunePasses(b.ctx)).toBe(0);
    b.clock.synchronised = false; // the grace would still accept the pass: it stays spent
    await expect(dropReturn(b.ctx, p.text)).rejects.toMatchObject({ details: { reason: "used" } });
    b.clock.synchronised = true;
    b.clock.advance(3_600_000 + 2);
    expect(prunePasses(b.ctx)).toBe(2);
    expect(b.store.passes.spent(p.fields.passId)).toBeUndefined();
    expect(b.store.passes.isRevoked(r.fields.passId, null)).toBe(false);
    expect(b.store.passes.lastRevocationId()).toBe(2);
  });
});

describe("a return", () => {
  it("opens the smallest free locker that fits, is stored when the door closes, and its carrier's courier collects it", async () => {
    const b = await bankOf([["A01", "M"], ["A02", "S"], ["A03", "L"]]);
    const p = issuer.returnPass(b.clock.now(), { return: { reference: "RMA-77", size: "S", carrier: "dhl" } });
    const drop = await dropReturn(b.ctx, p.text);
    expect(drop).toMatchObject({ lockerId: "A02", lockerSize: "S", reference: "RMA-77" });
    expect(b.store.lockers.get("A02")!.status).toBe("RESERVED");
    b.open("A02");
    b.close("A02");
    expect(b.store.lockers.get("A02")!.status).toBe("OCCUPIED");
    expect(b.store.returns.get(drop.parcelId)).toMatchObject({ status: "STORED", carrier: "dhl", reference: "RMA-77", inLocker: true });
    const stored = b.events("return.stored");
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ lockerId: "A02", parcelId: drop.parcelId, data: { passId: p.fields.passId, reference: "RMA-77", size: "S", carrier: "dhl" } });
    expect(b.events("parcel.")).toEqual([]); // a return is no delivery: nothing for the center's parcel rows

    await expect(collectReturn(b.ctx, "ups")).rejects.toMatchObject({ code: "NOT_FOUND" });
    const c = await collectReturn(b.ctx, "dhl");
    expect(c).toMatchObject({ lockerId: "A02", parcelId: drop.parcelId });
    b.open("A02");
    expect(b.events("return.collected")[0]).toMatchObject({ lockerId: "A02", parcelId: drop.parcelId, data: { carrier: "dhl", reference: "RMA-77" } });
    b.close("A02");
    expect(b.store.lockers.get("A02")!.status).toBe("AVAILABLE");
    expect(b.store.parcels.get(drop.parcelId)).toMatchObject({ status: "PICKED_UP", inLocker: false });
    await expect(collectReturn(b.ctx, "dhl")).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(eventTypes(b.store)).toEqual(["pass.used", "door.opened", "door.closed", "return.stored", "door.opened", "return.collected", "door.closed", "locker.released"]);
  });

  it("never takes a locker that deliveries need: returns.reservedPerSize stays free", async () => {
    const b = await bankOf([["A01", "S"], ["A02", "S"], ["A03", "M"]], { returns: { enabled: true, reservedPerSize: { S: 1, M: 1 } } });
    const now = b.clock.now();
    const one = await dropReturn(b.ctx, issuer.returnPass(now).text);
    expect(one.lockerId).toBe("A01");
    b.open("A01");
    b.close("A01");
    // one S left, kept for deliveries; the M is kept too
    await expect(dropReturn(b.ctx, issuer.returnPass(now).text)).rejects.toMatchObject({ code: "PASS_REFUSED", details: { reason: "no_locker" }, message: /kept for deliveries/ });
    // a delivery still gets it
    await expect(b.assign("S")).resolves.toMatchObject({ lockerId: "A02" });
  });

  it("is refused when returns are switched off, or the size is not one of the bank's", async () => {
    const b = await bankOf(undefined, { returns: { enabled: false, reservedPerSize: {} } });
    await expect(dropReturn(b.ctx, issuer.returnPass(b.clock.now()).text)).rejects.toMatchObject({ details: { reason: "not_accepted" } });
    await b.dispose();
    bank = await createTestBank({ lockers: [["A01", "S"]], passes: issuer.rules("B1") });
    await expect(dropReturn(bank.ctx, issuer.returnPass(bank.clock.now(), { return: { size: "XL" } }).text)).rejects.toMatchObject({ message: /size XL/ });
  });

  it("asks for a reachable door and gets one, even a larger one; without the ask the smallest", async () => {
    const layout = parseLayout(
      {
        name: "t",
        columns: [
          {
            id: "A",
            lockers: [
              { id: "A01", size: "S", heightCm: 170 },
              { id: "A02", size: "S", heightCm: 20 },
              { id: "A03", size: "M", heightCm: 100 },
              { id: "A04", size: "M", reachable: true },
            ],
          },
        ],
      },
      SIZES,
      "t",
    );
    bank = await createTestBank({ layout, passes: issuer.rules("B1") });
    const now = bank.clock.now();
    expect([...bank.store.lockers.reachableIds()].sort()).toEqual(["A03", "A04"]);
    await expect(dropReturn(bank.ctx, issuer.returnPass(now, { return: { reachable: true } }).text)).resolves.toMatchObject({ lockerId: "A03" });
    await expect(dropReturn(bank.ctx, issuer.returnPass(now).text)).resolves.toMatchObject({ lockerId: "A01" });
    expect(bank.ctx.store.lockers.get("A04")).toMatchObject({ status: "AVAILABLE" });
  });
});

describe("courier and technician passes", () => {
  it("a courier pass signs in at any bank it names (or every bank), with its carrier; a revocation of the courier ends it", async () => {
    const b = await bankOf();
    const p = issuer.courierPass(b.clock.now(), { banks: [] });
    const h = courierByPass(b.ctx, p.text);
    expect(h).toMatchObject({ id: "dhl:anna", carrier: "dhl", passId: p.fields.passId });
    expect(b.events("courier.session_started")[0]!.data).toEqual({ courierId: "dhl:anna", via: "pass" });
    expect(passStillValid(b.ctx, h)).toBe("active");
    b.store.write(() => b.store.passes.addRevocations([{ revocationId: 9, passId: null, subject: "dhl:anna", notAfter: p.fields.notAfter }]));
    expect(passStillValid(b.ctx, h)).toBe("revoked");
    expect(() => courierByPass(b.ctx, issuer.courierPass(b.clock.now()).text)).toThrow(/revoked/);
    expect(() => courierByPass(b.ctx, issuer.courierPass(b.clock.now(), { banks: ["B2", "B3"] }).text)).toThrow(/another bank/);
  });

  it("a pass-signed session ends at the pass's notAfter", async () => {
    const b = await bankOf();
    const h = courierByPass(b.ctx, issuer.courierPass(b.clock.now()).text);
    b.clock.advance(12 * 3_600_000);
    expect(passStillValid(b.ctx, h)).toBe("expired");
  });

  it("a technician pass is accepted for its technician only", async () => {
    const b = await bankOf();
    expect(technicianByPass(b.ctx, issuer.technicianPass(b.clock.now()).text)).toMatchObject({ id: "technician/tech-7" });
    expect(() => technicianByPass(b.ctx, issuer.courierPass(b.clock.now()).text)).toThrow(/does not allow/);
    expect(b.events("pass.used").map((e) => e.data.kind)).toEqual(["technician"]);
  });
});
