/**
 * A command signed by an operator's key, as it travels from the operator to one bank.
 *
 * The payload is the canonical JSON (canonical-json.ts) of exactly these fields:
 *
 *     {"args":{…},"bank":"B0042","expiresAt":1764950400000,"id":"<32 hex>","issuedAt":1764949800000,
 *      "keyId":"<16 hex>","kind":"open_door","v":1}
 *
 * - v: 1, the format's version;
 * - bank: the one bank it is for; id: 128 random bits as 32 lowercase hex digits, the command's
 *   identity for replay protection (the central row id is only its transport number);
 * - issuedAt / expiresAt: integer milliseconds since the epoch (UTC), expiresAt after issuedAt;
 * - kind and args: what to do (args a JSON object, integers only for numbers);
 * - keyId: which operator key signed it (see ed25519.ts).
 *
 * The signature is Ed25519 over "lockerd-signed\0command/v1\0" + the payload's UTF-8 bytes,
 * sent as base64 beside the payload. A verifier checks the payload is byte for byte canonical
 * before anything else, so one command has exactly one signed form.
 */
import { randomBytes } from "node:crypto";
import { canonicalJson, parseCanonicalJson, type CanonicalValue } from "./canonical-json.js";
import { verifySignature, type PublicKey, type Signer } from "./ed25519.js";

export const COMMAND_DOMAIN = "command/v1";
/** A payload longer than this is refused unread. */
export const MAX_PAYLOAD_BYTES = 8192;

export interface CommandFields {
  v: 1;
  bank: string;
  id: string;
  issuedAt: number;
  expiresAt: number;
  kind: string;
  args: { [key: string]: CanonicalValue };
  keyId: string;
}

export interface SignedCommand {
  payload: string;
  signature: string;
}

/** Why a command's signature cannot be accepted (before any bank rule is looked at). */
export type SignatureRefusal = "UNSIGNED" | "MALFORMED" | "UNKNOWN_KEY" | "BAD_SIGNATURE";

export type ReadResult = { ok: true; fields: CommandFields } | { ok: false; reason: SignatureRefusal; message: string; keyId?: string };

export const newCommandId = (): string => randomBytes(16).toString("hex");

export interface NewCommand {
  bank: string;
  kind: string;
  args: Record<string, unknown>;
  issuedAt: number;
  /** How long it stays valid (default 10 minutes). */
  ttlMs?: number;
  id?: string;
}

export const DEFAULT_TTL_MS = 10 * 60_000;

export function signCommand(signer: Signer, c: NewCommand): SignedCommand & { fields: CommandFields } {
  const fields: CommandFields = {
    v: 1,
    bank: c.bank,
    id: c.id ?? newCommandId(),
    issuedAt: Math.trunc(c.issuedAt),
    expiresAt: Math.trunc(c.issuedAt) + Math.trunc(c.ttlMs ?? DEFAULT_TTL_MS),
    kind: c.kind,
    args: c.args as CommandFields["args"],
    keyId: signer.keyId,
  };
  const problem = shapeProblem(fields);
  if (problem) throw new Error(`cannot sign this command: ${problem}`);
  const payload = canonicalJson(fields);
  return { payload, signature: signer.sign(COMMAND_DOMAIN, payload), fields };
}

/** Check form, key and signature; the bank's own rules (bank, time, replay, limits) come after. */
export function readSignedCommand(payload: string | null | undefined, signature: string | null | undefined, keys: ReadonlyMap<string, PublicKey>): ReadResult {
  if (!payload || !signature) return { ok: false, reason: "UNSIGNED", message: "the command carries no signed payload and signature" };
  if (Buffer.byteLength(payload, "utf8") > MAX_PAYLOAD_BYTES) return { ok: false, reason: "MALFORMED", message: `the signed payload is longer than ${MAX_PAYLOAD_BYTES} bytes` };
  let value: CanonicalValue;
  try {
    value = parseCanonicalJson(payload);
  } catch (e) {
    return { ok: false, reason: "MALFORMED", message: `signed payload: ${(e as Error).message}` };
  }
  const problem = shapeProblem(value);
  if (problem) return { ok: false, reason: "MALFORMED", message: `signed payload: ${problem}` };
  const fields = value as unknown as CommandFields;
  const key = keys.get(fields.keyId);
  if (!key) return { ok: false, reason: "UNKNOWN_KEY", message: `key ${fields.keyId} is not one this bank trusts`, keyId: fields.keyId };
  if (!verifySignature(COMMAND_DOMAIN, payload, signature, key)) {
    return { ok: false, reason: "BAD_SIGNATURE", message: `the signature does not match the payload and key ${fields.keyId}`, keyId: fields.keyId };
  }
  return { ok: true, fields };
}

const FIELDS = ["args", "bank", "expiresAt", "id", "issuedAt", "keyId", "kind", "v"];

function shapeProblem(v: unknown): string | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not an object";
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  if (keys.join(",") !== FIELDS.join(",")) return `fields must be exactly ${FIELDS.join(", ")}`;
  if (o.v !== 1) return "v must be 1";
  if (typeof o.bank !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(o.bank)) return "bank must be a bank id";
  if (typeof o.id !== "string" || !/^[0-9a-f]{32}$/.test(o.id)) return "id must be 32 lowercase hex digits";
  if (typeof o.keyId !== "string" || !/^[0-9a-f]{16}$/.test(o.keyId)) return "keyId must be 16 lowercase hex digits";
  if (typeof o.kind !== "string" || !/^[a-z_]{1,64}$/.test(o.kind)) return "kind must be a command kind";
  if (!Number.isSafeInteger(o.issuedAt) || (o.issuedAt as number) <= 0) return "issuedAt must be epoch milliseconds";
  if (!Number.isSafeInteger(o.expiresAt) || (o.expiresAt as number) <= (o.issuedAt as number)) return "expiresAt must be epoch milliseconds after issuedAt";
  if (typeof o.args !== "object" || o.args === null || Array.isArray(o.args)) return "args must be an object";
  try {
    canonicalJson(o.args);
  } catch (e) {
    return `args: ${(e as Error).message}`;
  }
  return null;
}
