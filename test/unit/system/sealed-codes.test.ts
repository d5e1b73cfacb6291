/**
 * Sealed pickup codes: what a bank seals only the holder of a notifier private key opens, only
 * for the same bank and parcel, and during a rotation either key opens it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createOpener, createSealer, generateSealingKeyPair, publicKeyOfPem } from "../../../src/system/sealed-codes.js";
import { createTestBank } from "../../support/bank.js";

const plain = { code: "01234567", token: "tok_abcdefghijklmnopqrstuvwxyz" };

describe("sealed codes", () => {
  it("open with the private key, in memory, and carry neither code nor token in plain", () => {
    const k = generateSealingKeyPair();
    const sealed = createSealer([k.publicKey]).seal("B1", "p_1", plain);
    const text = JSON.stringify(sealed);
    expect(text).not.toContain(plain.code);
    expect(text).not.toContain(plain.token);
    expect(sealed.r).toHaveLength(1);
    expect(sealed.r[0]!.k).toBe(k.keyId);
    expect(createOpener([k.privatePem]).open("B1", "p_1", sealed)).toEqual(plain);
  });

  it("do not open for another parcel or bank, with another key, or after a flipped bit", () => {
    const k = generateSealingKeyPair();
    const other = generateSealingKeyPair();
    const sealed = createSealer([k.publicKey]).seal("B1", "p_1", plain);
    const opener = createOpener([k.privatePem]);
    expect(() => opener.open("B1", "p_2", sealed)).toThrow();
    expect(() => opener.open("B2", "p_1", sealed)).toThrow();
    expect(() => createOpener([other.privatePem]).open("B1", "p_1", sealed)).toThrow(/sealed to keys/);
    const c = Buffer.from(sealed.r[0]!.c, "base64url");
    c[0]! ^= 1;
    const tampered = { ...sealed, r: [{ ...sealed.r[0]!, c: c.toString("base64url") }] };
    expect(() => opener.open("B1", "p_1", tampered)).toThrow();
  });

  it("sealed to two keys during a rotation, open with either; each seal uses fresh randomness", () => {
    const oldKey = generateSealingKeyPair();
    const newKey = generateSealingKeyPair();
    const sealer = createSealer([oldKey.publicKey, newKey.publicKey]);
    const sealed = sealer.seal("B1", "p_1", plain);
    expect(sealed.r.map((r) => r.k)).toEqual([oldKey.keyId, newKey.keyId]);
    expect(createOpener([newKey.privatePem]).open("B1", "p_1", sealed)).toEqual(plain);
    expect(createOpener([oldKey.privatePem]).open("B1", "p_1", sealed)).toEqual(plain);
    expect(JSON.stringify(sealer.seal("B1", "p_1", plain))).not.toBe(JSON.stringify(sealed));
  });

  it("read a private key made by openssl genpkey -algorithm X25519", () => {
    const dir = mkdtempSync(join(tmpdir(), "seal-"));
    const file = join(dir, "notifier.key");
    execFileSync("openssl", ["genpkey", "-algorithm", "X25519", "-out", file]);
    const pem = readFileSync(file, "utf8");
    const sealed = createSealer([publicKeyOfPem(pem)]).seal("B1", "p_9", plain);
    expect(createOpener([pem]).open("B1", "p_9", sealed)).toEqual(plain);
  });

  it("a bank that seals keeps only the sealed form in its outbox event; its database file holds no plain code", async () => {
    const k = generateSealingKeyPair();
    const sealer = createSealer([k.publicKey]);
    const bank = await createTestBank({ lockers: [["A01", "S"]], sealCodes: (parcelId, codes) => sealer.seal("B1", parcelId, codes) });
    try {
      const a = await bank.assign("S");
      const data = bank.store.events.query({ type: "parcel.assigned" })[0]!.data;
      expect(data.pickupCode).toBeUndefined();
      expect(createOpener([k.privatePem]).open("B1", a.parcelId, data.sealedCodes)).toEqual({ code: a.pickupCode, token: a.pickupToken });
      bank.store.db.pragma("wal_checkpoint(TRUNCATE)");
      const bytes = readFileSync(bank.dbPath);
      expect(bytes.indexOf(Buffer.from(a.pickupCode))).toBe(-1);
      expect(bytes.indexOf(Buffer.from(a.pickupToken))).toBe(-1);
    } finally {
      await bank.shutdown();
    }
  });
});
