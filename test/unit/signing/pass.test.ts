/** Passes: one exact text per pass (the vectors pin it for the center and the bank), and every refusal. */
import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { publicOf, signedBytes } from "../../../src/signing/ed25519.js";
import { decodePass, looksLikePass, PassFormatError, signPass, toBase32, verifyPass, type PassFields } from "../../../src/signing/pass.js";

/** A fixed Ed25519 key: PKCS#8 of the seed 00 01 02 … 1f. */
const SEED = Buffer.from([...Array(32).keys()]);
const KEY = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), SEED]), format: "der", type: "pkcs8" });
const PUB = publicOf(KEY);
const trustedKeys = new Map([[PUB.keyId, PUB]]);
const T = Date.UTC(2026, 11, 6, 8, 0, 0);

const RETURN: PassFields = {
  kind: "return",
  passId: "00112233445566778899aabbccddeeff",
  banks: ["B0042"],
  notBefore: T,
  notAfter: T + 14 * 86_400_000,
  oneTime: true,
  return: { reference: "RMA-2026-0001", size: "M", carrier: "dhl", reachable: true },
};
const COURIER: PassFields = {
  kind: "courier",
  passId: "ffeeddccbbaa99887766554433221100",
  banks: [],
  notBefore: T,
  notAfter: T + 12 * 3_600_000,
  oneTime: false,
  courier: { carrier: "dhl", courierId: "anna" },
};
const TECHNICIAN: PassFields = {
  kind: "technician",
  passId: "0123456789abcdef0123456789abcdef",
  banks: ["B0042", "B0043"],
  notBefore: T,
  notAfter: T + 4 * 3_600_000,
  oneTime: false,
  technician: { technicianId: "tech-7" },
};

const opts = { trustedKeys, bankId: "B0042", now: T + 60_000, clockSynced: true, graceMs: 3_600_000 };

describe("a pass", () => {
  it("has one exact text for a given key and fields (the vectors the center must produce too)", () => {
    expect(PUB.keyId).toBe("56475aa75463474c");
    expect(signPass(RETURN, KEY)).toBe("LP1AEAQGVSHLKTVIY2HJQABCIRTIRKWM54ITGVLXTG5537WWFIWABVSPCYAAECUEMBQGQZA2USNIEWTEMBSGYWTAMBQGEAU2A3ENBWLS23XPAMTSZFM5VAQ6EJA4CMGK4RPAY3VOBNSH5DYZHZKRLVEFXKB45MAZIGREC7AKHD2PKOOSRWM5G5UL55HOLPEB3KGM7GKUV3TBM");
    expect(signPass(COURIER, KEY)).toBe("LP1AEBAAVSHLKTVIY2HJT765XOMXOVJTCDXMZKUIMZCCEAGWFIWABVRLPWAAABWI2DMARQW43TBSCF3IQNMHIPZEIS3GNCWKB7WHGOCDZIOZPYPJLLP4SEAS6SLJXTMC26CS32C7ZWIFDDWQWTL4I52PJVGV4RUP6SXE4ROBPPP4JPFSDA");
    expect(signPass(TECHNICIAN, KEY)).toBe("LP1AEBQAVSHLKTVIY2HJQASGRLHRGV433YBENCWPCNLZXXWWFIWABVRKTSAAICUEMBQGQZAKQRQGA2DGBTUMVRWQLJXVPDX7IK3NKFZL5L773IET2E2FGXCMKOQYHHVTZFJEUOSPPZEBLHZD5RQTGA7BN6A73ASKVT6MWJKBF6S3OTDIIRYLQ2SJOW5JH2PMAI");
  });

  it("decodes to the fields it was signed with, and its text is safe for a wedge scanner and a QR code", () => {
    for (const f of [RETURN, COURIER, TECHNICIAN]) {
      const text = signPass(f, KEY);
      expect(text).toMatch(/^LP1[A-Z2-7]+$/);
      expect(looksLikePass(text)).toBe(true);
      expect(decodePass(text).fields).toEqual(f);
      expect(decodePass(text).keyId).toBe(PUB.keyId);
      expect(verifyPass(text, opts)).toEqual({ ok: true, fields: f, keyId: PUB.keyId });
    }
    expect(signPass(RETURN, KEY).length).toBeLessThan(256);
  });

  it("is refused when forged: another key, a changed byte, a command signature", () => {
    const stranger = generateKeyPairSync("ed25519").privateKey;
    expect(verifyPass(signPass(RETURN, stranger), opts)).toMatchObject({ ok: false, reason: "unknown_key" });
    // the stranger's pass relabelled with our key id: the signature no longer matches
    const bytes = Buffer.from(decodePass(signPass(RETURN, stranger)).body);
    Buffer.from(PUB.keyId, "hex").copy(bytes, 3);
    const relabelled = "LP1" + toBase32(Buffer.concat([bytes, decodePass(signPass(RETURN, stranger)).signature]));
    expect(verifyPass(relabelled, opts)).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(verifyPass(relabelled, opts)).not.toHaveProperty("fields");
    // the courier's id changed from anna to anne, keeping the signature
    const d = decodePass(signPass(COURIER, KEY));
    const changed = Buffer.from(d.body.toString("latin1").replace("anna", "anne"), "latin1");
    expect(verifyPass("LP1" + toBase32(Buffer.concat([changed, d.signature])), opts)).toMatchObject({ ok: false, reason: "bad_signature" });
    // a signature over the same bytes in another domain (a command's) is not a pass signature
    const wrongDomain = "LP1" + toBase32(Buffer.concat([d.body, sign(null, signedBytes("command/v1", d.body), KEY)]));
    expect(verifyPass(wrongDomain, opts)).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("is refused at another bank, before its window, after it; any bank when it names none", () => {
    expect(verifyPass(signPass(RETURN, KEY), { ...opts, bankId: "B0099" })).toMatchObject({ ok: false, reason: "wrong_bank", fields: RETURN });
    expect(verifyPass(signPass(COURIER, KEY), { ...opts, bankId: "B0099" })).toMatchObject({ ok: true });
    expect(verifyPass(signPass(RETURN, KEY), { ...opts, now: T - 1 })).toMatchObject({ ok: false, reason: "not_yet_valid" });
    expect(verifyPass(signPass(RETURN, KEY), { ...opts, now: RETURN.notAfter })).toMatchObject({ ok: false, reason: "expired" });
    expect(verifyPass(signPass(RETURN, KEY), { ...opts, now: RETURN.notAfter - 1 })).toMatchObject({ ok: true });
  });

  it("gets the grace, both ways and no more, only while the bank's clock is not known to be right", () => {
    const text = signPass(TECHNICIAN, KEY);
    const unsynced = { ...opts, clockSynced: false };
    expect(verifyPass(text, { ...unsynced, now: TECHNICIAN.notAfter + 3_599_999 })).toMatchObject({ ok: true });
    expect(verifyPass(text, { ...unsynced, now: TECHNICIAN.notAfter + 3_600_000 })).toMatchObject({ ok: false, reason: "expired" });
    expect(verifyPass(text, { ...unsynced, now: T - 3_600_000 })).toMatchObject({ ok: true });
    expect(verifyPass(text, { ...unsynced, now: T - 3_600_001 })).toMatchObject({ ok: false, reason: "not_yet_valid" });
    expect(verifyPass(text, { ...opts, now: TECHNICIAN.notAfter + 1000 })).toMatchObject({ ok: false, reason: "expired" });
  });

  it("is malformed when it is not one exact encoding", () => {
    const text = signPass(COURIER, KEY);
    for (const bad of ["", "LP1", "LP2" + text.slice(3), text.toLowerCase(), text + "A", text.slice(0, -1), text.slice(0, 60), "LP1" + "A".repeat(200)]) {
      expect(verifyPass(bad, opts), bad).toMatchObject({ ok: false, reason: "malformed" });
    }
    expect(() => decodePass(text + "AAAAAAAA")).toThrow(PassFormatError);
  });

  it("decodes even at its largest (16 banks, every text 64 characters)", () => {
    const long = (c: string) => c.repeat(64);
    const biggest: PassFields = { ...RETURN, banks: [...Array(16).keys()].map((i) => long(i.toString(16))), return: { reference: long("R"), size: long("S"), carrier: long("c"), reachable: true } };
    const text = signPass(biggest, KEY);
    expect(text.length).toBe(2139);
    expect(verifyPass(text, { ...opts, bankId: long("a") })).toEqual({ ok: true, fields: biggest, keyId: PUB.keyId });
    expect(() => signPass({ ...biggest, banks: [...biggest.banks, "B1"] }, KEY)).toThrow(/up to 16/);
  });

  it("cannot be signed with fields that would not decode", () => {
    expect(() => signPass({ ...RETURN, passId: "xyz" }, KEY)).toThrow(PassFormatError);
    expect(() => signPass({ ...RETURN, notAfter: RETURN.notBefore + 500 }, KEY)).toThrow(/notAfter/);
    expect(() => signPass({ ...RETURN, courier: { carrier: "dhl", courierId: "a" } }, KEY)).toThrow(/exactly one/);
    expect(() => signPass({ ...COURIER, courier: undefined }, KEY)).toThrow(PassFormatError);
    expect(() => signPass({ ...RETURN, return: { ...RETURN.return!, reference: "é" } }, KEY)).toThrow(/reference/);
    expect(() => signPass({ ...RETURN, banks: ["B1", "B1"] }, KEY)).toThrow(/twice/);
  });
});
