/** The signed envelope: one canonical form per command, a signature bound to its purpose, keys from files. */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalJson, parseCanonicalJson } from "../../../src/signing/canonical-json.js";
import { generateKeyPair, loadSigner, publicKeyFromBase64, signerFromPem, verifySignature, writeNewKeyFile } from "../../../src/signing/ed25519.js";
import { COMMAND_DOMAIN, readSignedCommand, signCommand } from "../../../src/signing/signed-command.js";

const signer = signerFromPem(generateKeyPair().privatePem);
const other = signerFromPem(generateKeyPair().privatePem);
const keys = new Map([[signer.keyId, signer.publicKey]]);
const T = Date.UTC(2026, 11, 5, 12, 0, 0);
const cmd = () => signCommand(signer, { bank: "B0042", kind: "open_door", args: { lockerId: "A03" }, issuedAt: T });

describe("canonical JSON", () => {
  it("sorts keys, drops whitespace and refuses values whose text is ambiguous", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], "é": { z: 0, y: "\u2028" } })).toBe('{"a":[true,null,"x"],"b":1,"é":{"y":"\u2028","z":0}}');
    for (const bad of [1.5, -0, Number.NaN, 2 ** 60, undefined, new Date(0), () => 1]) expect(() => canonicalJson({ x: bad })).toThrow();
  });

  it("parses only text that is already canonical", () => {
    expect(parseCanonicalJson('{"a":1,"b":2}')).toEqual({ a: 1, b: 2 });
    for (const bad of ['{"b":2,"a":1}', '{"a": 1}', '{"a":1.0}', '{"a":1e0}', '{"a":"\\u0041"}', '{"a":1,"a":2}']) expect(() => parseCanonicalJson(bad), bad).toThrow();
  });
});

describe("a signed command", () => {
  it("names the bank, an id, its issue and expiry time (10 minutes by default), kind, args and key id", () => {
    const s = cmd();
    expect(JSON.parse(s.payload)).toEqual({ v: 1, bank: "B0042", id: s.fields.id, issuedAt: T, expiresAt: T + 600_000, kind: "open_door", args: { lockerId: "A03" }, keyId: signer.keyId });
    expect(s.payload).toBe(canonicalJson(s.fields));
    expect(s.fields.id).toMatch(/^[0-9a-f]{32}$/);
    expect(readSignedCommand(s.payload, s.signature, keys)).toEqual({ ok: true, fields: s.fields });
  });

  it("is refused unsigned, malformed, under an unknown key, or with a signature that does not match", () => {
    const s = cmd();
    expect(readSignedCommand(null, null, keys)).toMatchObject({ ok: false, reason: "UNSIGNED" });
    expect(readSignedCommand(s.payload, null, keys)).toMatchObject({ ok: false, reason: "UNSIGNED" });
    // the same content, not in canonical form: refused before any signature is looked at
    expect(readSignedCommand(JSON.stringify(JSON.parse(s.payload), null, 1), s.signature, keys)).toMatchObject({ ok: false, reason: "MALFORMED" });
    expect(readSignedCommand(s.payload.replace('"v":1', '"v":1,"w":2'), s.signature, keys)).toMatchObject({ ok: false, reason: "MALFORMED" });
    // the door changed after signing
    expect(readSignedCommand(s.payload.replace("A03", "A04"), s.signature, keys)).toMatchObject({ ok: false, reason: "BAD_SIGNATURE", keyId: signer.keyId });
    expect(readSignedCommand(s.payload, Buffer.alloc(64).toString("base64"), keys)).toMatchObject({ ok: false, reason: "BAD_SIGNATURE" });
    const byOther = signCommand(other, { bank: "B0042", kind: "open_door", args: { lockerId: "A03" }, issuedAt: T });
    expect(readSignedCommand(byOther.payload, byOther.signature, keys)).toMatchObject({ ok: false, reason: "UNKNOWN_KEY", keyId: other.keyId });
    // another key's signature under our key id
    const forged = byOther.payload.replace(other.keyId, signer.keyId);
    expect(readSignedCommand(forged, other.sign(COMMAND_DOMAIN, forged), keys)).toMatchObject({ ok: false, reason: "BAD_SIGNATURE" });
  });

  it("cannot be made from a signature for another purpose (domain separation)", () => {
    const s = cmd();
    expect(verifySignature(COMMAND_DOMAIN, s.payload, s.signature, signer.publicKey)).toBe(true);
    expect(verifySignature("pass/v1", s.payload, s.signature, signer.publicKey)).toBe(false);
    expect(readSignedCommand(s.payload, signer.sign("pass/v1", s.payload), keys)).toMatchObject({ ok: false, reason: "BAD_SIGNATURE" });
  });

  it("refuses to sign what could not be verified (fractions, an expiry before the issue time)", () => {
    expect(() => signCommand(signer, { bank: "B1", kind: "open_door", args: { x: 0.5 }, issuedAt: T })).toThrow(/args/);
    expect(() => signCommand(signer, { bank: "B1", kind: "open_door", args: {}, issuedAt: T, ttlMs: 0 })).toThrow(/expiresAt/);
    expect(() => signCommand(signer, { bank: "not a bank", kind: "open_door", args: {}, issuedAt: T })).toThrow(/bank/);
  });
});

describe("key files", () => {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-keys-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a new key file is mode 0600, never overwritten, and one readable by others is refused", () => {
    const path = join(dir, "op.key");
    const pk = writeNewKeyFile(path);
    const s = loadSigner(path);
    expect(s.keyId).toBe(pk.keyId);
    expect(publicKeyFromBase64(pk.base64).keyId).toBe(pk.keyId);
    expect(() => writeNewKeyFile(path)).toThrow();
    chmodSync(path, 0o644);
    expect(() => loadSigner(path)).toThrow(/readable by others/);
  });

  it("a public key is the base64 of 32 raw bytes", () => {
    expect(() => publicKeyFromBase64("abc")).toThrow(/32/);
    expect(() => publicKeyFromBase64(Buffer.alloc(33).toString("base64"))).toThrow(/32/);
  });
});
