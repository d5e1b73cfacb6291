/**
 * Passes: what the center signs so a bank can let someone in while it is offline (a customer
 * dropping a return, a courier, a technician). Compact, because it travels in a QR code.
 *
 * Text form: "LP1" + the RFC 4648 base32 (A-Z, 2-7, no padding) of the bytes below. Capitals and
 * digits are the only characters a keyboard-wedge scanner types the same under every layout, and
 * QR alphanumeric mode packs them at 5.5 bits a character. "1" is not a base32 digit, so no
 * pickup token ([A-Z2-7]{32}) ever starts with the prefix.
 *
 * Bytes (big-endian; str = 1-byte length + ASCII):
 *   u8 version (1) | u8 kind (1 return, 2 courier, 3 technician) | u8 flags (bit0 oneTime,
 *   bit1 return.reachable) | 8 bytes key id | 16 bytes pass id | u32 notBefore s | u32 notAfter s |
 *   u8 bank count, str each | return: str reference, str size, str carrier |
 *   courier: str carrier, str courierId | technician: str technicianId | 64 bytes signature
 * The signature is Ed25519 over "lockerd-signed\0pass/v1\0" + every byte before it (ed25519.ts),
 * so a command signature can never pass for a pass. One pass has exactly one text: unused flag
 * bits, trailing bytes and non-canonical base32 are refused.
 */
import { sign, verify, type KeyObject } from "node:crypto";
import { publicOf, signedBytes, type PublicKey } from "./ed25519.js";

export type PassKind = "return" | "courier" | "technician";

export interface PassFields {
  kind: PassKind;
  /** 16 random bytes, lowercase hex. */
  passId: string;
  /** The banks it is good at; [] = any bank of the fleet. */
  banks: string[];
  /** Milliseconds since the epoch, carried as whole seconds (signPass rounds down). */
  notBefore: number;
  notAfter: number;
  oneTime: boolean;
  return?: { reference: string; size: string; carrier: string; reachable?: boolean };
  courier?: { carrier: string; courierId: string };
  technician?: { technicianId: string };
}

export const PASS_PREFIX = "LP1";
export const PASS_DOMAIN = "pass/v1";
const VERSION = 1;
const KINDS: readonly PassKind[] = ["return", "courier", "technician"];
const ID = /^[A-Za-z0-9._-]{1,64}$/;
const REFERENCE = /^[\x20-\x7e]{1,64}$/;
const MAX_BANKS = 16;
const SIG = 64;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/**
 * Any text a pass can have: the largest (16 banks and every text field 64 characters) is 2,139
 * characters. A scanner's input.scanner.maxLength (default 512) must allow the passes issued:
 * one or two banks and short references keep a pass near 230.
 */
export const PASS_TEXT_PATTERN = /^LP1[A-Z2-7]{40,2200}$/;

export type PassRefusal = "malformed" | "unknown_key" | "bad_signature" | "wrong_bank" | "not_yet_valid" | "expired";

export class PassFormatError extends Error {
  readonly reason = "malformed" as const;
}

export interface DecodedPass {
  fields: PassFields;
  keyId: string;
  /** The signed bytes (everything before the signature). */
  body: Buffer;
  signature: Buffer;
}

export interface VerifyOptions {
  /** Key id → public key (passes.trustedKeys). */
  trustedKeys: ReadonlyMap<string, PublicKey>;
  bankId: string;
  now: number;
  /** False while the bank's clock is not known to be right: the window widens by graceMs. */
  clockSynced: boolean;
  graceMs: number;
}

export type VerifyResult =
  | { ok: true; fields: PassFields; keyId: string }
  /** fields: present only once the signature has been checked (never trust a forged pass's id). */
  | { ok: false; reason: PassRefusal; message: string; fields?: PassFields; keyId?: string };

export function looksLikePass(text: string): boolean {
  return text.startsWith(PASS_PREFIX);
}

export function signPass(fields: PassFields, privateKey: KeyObject): string {
  const problem = fieldProblem(fields);
  if (problem) throw new PassFormatError(`cannot sign this pass: ${problem}`);
  const body = encodeBody(fields, publicOf(privateKey).keyId);
  const signature = sign(null, signedBytes(PASS_DOMAIN, body), privateKey);
  return PASS_PREFIX + toBase32(Buffer.concat([body, signature]));
}

/** The pass's fields, key id and signature, unverified; throws PassFormatError. */
export function decodePass(text: string): DecodedPass {
  if (!PASS_TEXT_PATTERN.test(text)) throw new PassFormatError("not a pass: LP1 followed by base32 capitals and digits");
  const bytes = fromBase32(text.slice(PASS_PREFIX.length));
  if (toBase32(bytes) !== text.slice(PASS_PREFIX.length)) throw new PassFormatError("the base32 is not canonical");
  if (bytes.length < 35 + SIG) throw new PassFormatError("too short");
  const body = bytes.subarray(0, bytes.length - SIG);
  const signature = bytes.subarray(bytes.length - SIG);
  const r = new Reader(body);
  if (r.u8() !== VERSION) throw new PassFormatError("unknown pass version");
  const kind = KINDS[r.u8() - 1];
  if (!kind) throw new PassFormatError("unknown pass kind");
  const flags = r.u8();
  if (flags & ~0b11 || (flags & 0b10 && kind !== "return")) throw new PassFormatError("unknown flags");
  const keyId = r.take(8).toString("hex");
  const passId = r.take(16).toString("hex");
  const notBefore = r.u32() * 1000;
  const notAfter = r.u32() * 1000;
  const banks: string[] = [];
  for (let n = r.u8(); n > 0; n--) banks.push(r.str());
  const fields: PassFields = { kind, passId, banks, notBefore, notAfter, oneTime: (flags & 1) === 1 };
  if (kind === "return") {
    fields.return = { reference: r.str(), size: r.str(), carrier: r.str() };
    if (flags & 0b10) fields.return.reachable = true;
  } else if (kind === "courier") fields.courier = { carrier: r.str(), courierId: r.str() };
  else fields.technician = { technicianId: r.str() };
  if (!r.done()) throw new PassFormatError("bytes after the last field");
  const problem = fieldProblem(fields);
  if (problem) throw new PassFormatError(problem);
  return { fields, keyId, body: Buffer.from(body), signature: Buffer.from(signature) };
}

/** Everything a bank checks that needs no database: form, key, signature, bank, time. */
export function verifyPass(text: string, o: VerifyOptions): VerifyResult {
  let d: DecodedPass;
  try {
    d = decodePass(text);
  } catch (e) {
    if (e instanceof PassFormatError) return { ok: false, reason: "malformed", message: e.message };
    throw e;
  }
  const key = o.trustedKeys.get(d.keyId);
  if (!key) return { ok: false, reason: "unknown_key", message: `pass key ${d.keyId} is not one this bank trusts`, keyId: d.keyId };
  let good = false;
  try {
    good = verify(null, signedBytes(PASS_DOMAIN, d.body), key.key, d.signature);
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: "bad_signature", message: "the pass's signature does not match (forged or damaged)", keyId: d.keyId };
  const { fields, keyId } = d;
  if (fields.banks.length > 0 && !fields.banks.includes(o.bankId)) return { ok: false, reason: "wrong_bank", message: `the pass is for ${fields.banks.join(", ")}, not this bank`, fields, keyId };
  const grace = o.clockSynced ? 0 : o.graceMs;
  if (o.now + grace < fields.notBefore) return { ok: false, reason: "not_yet_valid", message: "the pass is not valid yet", fields, keyId };
  if (o.now - grace >= fields.notAfter) return { ok: false, reason: "expired", message: "the pass has expired", fields, keyId };
  return { ok: true, fields, keyId };
}

function fieldProblem(f: PassFields): string | null {
  if (!KINDS.includes(f.kind)) return "kind must be return, courier or technician";
  if (!/^[0-9a-f]{32}$/.test(f.passId)) return "passId must be 32 lowercase hex digits";
  if (!Array.isArray(f.banks) || f.banks.length > MAX_BANKS || !f.banks.every((b) => ID.test(b))) return `banks must be up to ${MAX_BANKS} bank ids`;
  if (new Set(f.banks).size !== f.banks.length) return "banks lists a bank twice";
  for (const t of [f.notBefore, f.notAfter]) if (!Number.isSafeInteger(t) || t < 0 || t / 1000 >= 2 ** 32) return "notBefore and notAfter must be epoch milliseconds";
  if (Math.floor(f.notAfter / 1000) <= Math.floor(f.notBefore / 1000)) return "notAfter must be at least a second after notBefore";
  if (typeof f.oneTime !== "boolean") return "oneTime must be a boolean";
  const parts = [f.return, f.courier, f.technician].filter((p) => p !== undefined).length;
  if (parts !== 1) return "exactly one of return, courier, technician";
  if (f.kind === "return") {
    const r = f.return;
    if (!r || !REFERENCE.test(r.reference) || !ID.test(r.size) || !ID.test(r.carrier)) return "return needs a reference (printable ASCII, 1-64), a size and a carrier";
    if (r.reachable !== undefined && typeof r.reachable !== "boolean") return "return.reachable must be a boolean";
  }
  if (f.kind === "courier" && (!f.courier || !ID.test(f.courier.carrier) || !ID.test(f.courier.courierId))) return "courier needs a carrier and a courierId";
  if (f.kind === "technician" && (!f.technician || !ID.test(f.technician.technicianId))) return "technician needs a technicianId";
  return null;
}

function encodeBody(f: PassFields, keyId: string): Buffer {
  const out: Buffer[] = [];
  const flags = (f.oneTime ? 1 : 0) | (f.return?.reachable ? 2 : 0);
  out.push(Buffer.from([VERSION, KINDS.indexOf(f.kind) + 1, flags]), Buffer.from(keyId, "hex"), Buffer.from(f.passId, "hex"));
  const times = Buffer.alloc(8);
  times.writeUInt32BE(Math.floor(f.notBefore / 1000), 0);
  times.writeUInt32BE(Math.floor(f.notAfter / 1000), 4);
  out.push(times, Buffer.from([f.banks.length]));
  const str = (s: string) => out.push(Buffer.from([s.length]), Buffer.from(s, "ascii"));
  f.banks.forEach(str);
  if (f.return) [f.return.reference, f.return.size, f.return.carrier].forEach(str);
  if (f.courier) [f.courier.carrier, f.courier.courierId].forEach(str);
  if (f.technician) str(f.technician.technicianId);
  return Buffer.concat(out);
}

class Reader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  take(n: number): Buffer {
    if (this.at + n > this.b.length) throw new PassFormatError("truncated");
    const s = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return s;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u32(): number {
    return this.take(4).readUInt32BE(0);
  }
  str(): string {
    const s = this.take(this.u8());
    if (!/^[\x20-\x7e]*$/.test(s.toString("latin1"))) throw new PassFormatError("a text field is not printable ASCII");
    return s.toString("ascii");
  }
  done(): boolean {
    return this.at === this.b.length;
  }
}

export function toBase32(b: Buffer): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const byte of b) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

function fromBase32(s: string): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of s) {
    const v = BASE32.indexOf(c);
    if (v < 0) throw new PassFormatError("not base32");
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}
