/**
 * Ed25519 keys and signatures (node:crypto), with domain separation: what is signed is
 * "lockerd-signed\0" + domain + "\0" + payload, so a signature made for one purpose (a bank
 * command) can never be presented as another (a pass). A key is named by its key id, the first
 * 16 hex digits of the SHA-256 of its raw 32-byte public key.
 *
 * Private keys live in PEM files (PKCS#8, the form `openssl genpkey -algorithm ed25519` writes),
 * mode 0600; public keys travel as the base64 of their raw 32 bytes.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface PublicKey {
  keyId: string;
  key: KeyObject;
  /** Base64 of the raw 32 bytes. */
  base64: string;
}

export interface Signer {
  keyId: string;
  publicKey: PublicKey;
  sign(domain: string, payload: Buffer | string): string;
}

export class KeyError extends Error {}

/** The bytes a signature covers. */
export function signedBytes(domain: string, payload: Buffer | string): Buffer {
  if (!/^[a-z0-9./-]{1,64}$/.test(domain)) throw new KeyError(`bad signing domain ${JSON.stringify(domain)}`);
  return Buffer.concat([Buffer.from(`lockerd-signed\0${domain}\0`, "utf8"), typeof payload === "string" ? Buffer.from(payload, "utf8") : payload]);
}

export function keyIdOf(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex").slice(0, 16);
}

/** A public key from the base64 of its raw 32 bytes. */
export function publicKeyFromBase64(b64: string): PublicKey {
  const raw = Buffer.from(b64, "base64");
  if (raw.length !== 32 || raw.toString("base64") !== b64) throw new KeyError("an Ed25519 public key is the base64 of its 32 raw bytes (44 characters)");
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
  return { keyId: keyIdOf(raw), key, base64: raw.toString("base64") };
}

/** The public half of a private (or public) key object. */
export function publicOf(key: KeyObject): PublicKey {
  const der = createPublicKey(key).export({ format: "der", type: "spki" });
  const raw = der.subarray(der.length - 32);
  return publicKeyFromBase64(raw.toString("base64"));
}

export function signerFromPem(pem: string): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new KeyError(`not a PEM private key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new KeyError(`the key is ${key.asymmetricKeyType}, not ed25519`);
  const publicKey = publicOf(key);
  return {
    keyId: publicKey.keyId,
    publicKey,
    sign: (domain, payload) => sign(null, signedBytes(domain, payload), key).toString("base64"),
  };
}

/** Read a private key file; refuses one that others may read. */
export function loadSigner(path: string): Signer {
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) throw new KeyError(`${path} is readable by others (mode ${(statSync(path).mode & 0o777).toString(8)}); chmod 600 it`);
  return signerFromPem(readFileSync(path, "utf8"));
}

/** A new key pair: the private key as PEM, the public key as base64 of its raw bytes. */
export function generateKeyPair(): { privatePem: string; publicKey: PublicKey } {
  const { privateKey } = generateKeyPairSync("ed25519");
  return { privatePem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(), publicKey: publicOf(privateKey) };
}

/** Write a new private key file (mode 0600, never over an existing file). */
export function writeNewKeyFile(path: string): PublicKey {
  const { privatePem, publicKey } = generateKeyPair();
  writeFileSync(path, privatePem, { mode: 0o600, flag: "wx" });
  return publicKey;
}

export function verifySignature(domain: string, payload: Buffer | string, signatureB64: string, key: PublicKey): boolean {
  const sig = Buffer.from(signatureB64, "base64");
  if (sig.length !== 64) return false;
  try {
    return verify(null, signedBytes(domain, payload), key.key, sig);
  } catch {
    return false;
  }
}
