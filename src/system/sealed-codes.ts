/**
 * Sealed pickup codes: the bank seals a parcel's plain pickup code and QR token to the
 * notifier's X25519 public key(s) before they enter its outbox; only lockerd-central, holding
 * the private key file, opens them, in memory, to build the customer's message. Node's crypto
 * only (no native dependency).
 *
 * Format (version 1), one JSON object in the event's data as `sealedCodes`:
 *   { "v": 1, "r": [ { "k": keyId, "e": ephemeralPublicKey, "n": nonce, "c": ciphertextAndTag }, ... ] }
 * one entry per configured public key (two during a key rotation), all base64url, where
 *   keyId     = first 8 bytes of SHA-256(the recipient's raw 32-byte X25519 public key), hex
 *   e         = a fresh X25519 key pair's raw public key (32 bytes), one per entry
 *   key       = HKDF-SHA256(ikm = X25519(ephemeral private, recipient public),
 *                           salt = e || recipient public key, info = "lockerd sealed codes v1", 32 bytes)
 *   n         = 12 random bytes
 *   c         = AES-256-GCM(key, n, plaintext, aad) with its 16-byte tag appended
 *   plaintext = JSON {"code": "...", "token": "..."}
 *   aad       = "lockerd sealed codes v1\n" + bankId + "\n" + parcelId
 * The associated data binds the envelope to its bank and parcel: moved to another parcel's row
 * it does not open. Public keys are written as base64url of the raw 32 bytes; private keys as
 * PKCS#8 PEM files (what `openssl genpkey -algorithm X25519` writes).
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from "node:crypto";

const INFO = "lockerd sealed codes v1";
// DER prefix of an X25519 SubjectPublicKeyInfo; the raw 32-byte key follows.
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");

export interface PlainCodes {
  code: string;
  token: string;
}

export interface SealedCodes {
  v: 1;
  r: { k: string; e: string; n: string; c: string }[];
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32);
}

export function publicKeyFromRaw(b64url: string): KeyObject {
  const raw = Buffer.from(b64url, "base64url");
  if (raw.length !== 32) throw new Error("an X25519 public key is 32 bytes (base64url)");
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: "der", type: "spki" });
}

export function keyIdOf(rawPublic: Buffer): string {
  return createHash("sha256").update(rawPublic).digest().subarray(0, 8).toString("hex");
}

const aadOf = (bankId: string, parcelId: string) => Buffer.from(`${INFO}\n${bankId}\n${parcelId}`, "utf8");

function kdf(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, Buffer.concat([ephemeral, recipient]), INFO, 32));
}

/** A sealer for the bank: seal(bankId, parcelId, codes) to every configured public key. */
export function createSealer(publicKeysB64url: readonly string[]) {
  if (publicKeysB64url.length === 0) throw new Error("at least one public key is needed to seal");
  const recipients = publicKeysB64url.map((b) => {
    const key = publicKeyFromRaw(b);
    const raw = rawPublicKey(key);
    return { key, raw, id: keyIdOf(raw) };
  });
  return {
    keyIds: recipients.map((r) => r.id),
    seal(bankId: string, parcelId: string, plain: PlainCodes): SealedCodes {
      const pt = Buffer.from(JSON.stringify({ code: plain.code, token: plain.token }), "utf8");
      const aad = aadOf(bankId, parcelId);
      return {
        v: 1,
        r: recipients.map((rcpt) => {
          const eph = generateKeyPairSync("x25519");
          const ephRaw = rawPublicKey(eph.publicKey);
          const key = kdf(diffieHellman({ privateKey: eph.privateKey, publicKey: rcpt.key }), ephRaw, rcpt.raw);
          const nonce = randomBytes(12);
          const cipher = createCipheriv("aes-256-gcm", key, nonce);
          cipher.setAAD(aad);
          const ct = Buffer.concat([cipher.update(pt), cipher.final(), cipher.getAuthTag()]);
          key.fill(0);
          return { k: rcpt.id, e: ephRaw.toString("base64url"), n: nonce.toString("base64url"), c: ct.toString("base64url") };
        }),
      };
    },
  };
}

export type Sealer = ReturnType<typeof createSealer>;

/** An opener for lockerd-central: the private keys (PEM), tried by key id. */
export function createOpener(privateKeysPem: readonly string[]) {
  const keys = new Map<string, { priv: KeyObject; raw: Buffer }>();
  for (const pem of privateKeysPem) {
    const priv = createPrivateKey(pem);
    if (priv.asymmetricKeyType !== "x25519") throw new Error(`expected an X25519 private key, found ${priv.asymmetricKeyType}`);
    const raw = rawPublicKey(createPublicKey(priv));
    keys.set(keyIdOf(raw), { priv, raw });
  }
  return {
    keyIds: [...keys.keys()],
    /** The plain codes, or throws (no entry for our keys, tampered, another bank or parcel). */
    open(bankId: string, parcelId: string, sealed: unknown): PlainCodes {
      const s = sealed as SealedCodes | null;
      if (!s || s.v !== 1 || !Array.isArray(s.r)) throw new Error("not a sealed-codes envelope (version 1)");
      for (const entry of s.r) {
        const mine = keys.get(entry.k);
        if (!mine) continue;
        const eph = Buffer.from(entry.e, "base64url");
        const key = kdf(diffieHellman({ privateKey: mine.priv, publicKey: publicKeyFromRaw(entry.e) }), eph, mine.raw);
        const ct = Buffer.from(entry.c, "base64url");
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(entry.n, "base64url"));
        decipher.setAAD(aadOf(bankId, parcelId));
        decipher.setAuthTag(ct.subarray(ct.length - 16));
        const pt = Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]);
        key.fill(0);
        const parsed = JSON.parse(pt.toString("utf8")) as PlainCodes;
        return { code: String(parsed.code), token: String(parsed.token) };
      }
      throw new Error(`sealed to keys ${s.r.map((e) => e.k).join(", ")}; this service holds ${[...keys.keys()].join(", ") || "none"}`);
    },
  };
}

export type Opener = ReturnType<typeof createOpener>;

/** A new key pair: the private key as PKCS#8 PEM (for the file), the public key for banks. */
export function generateSealingKeyPair(): { privatePem: string; publicKey: string; keyId: string } {
  const kp = generateKeyPairSync("x25519");
  const raw = rawPublicKey(kp.publicKey);
  return { privatePem: kp.privateKey.export({ format: "pem", type: "pkcs8" }).toString(), publicKey: raw.toString("base64url"), keyId: keyIdOf(raw) };
}

/** The public key (base64url) of a private key file's content. */
export function publicKeyOfPem(pem: string): string {
  return rawPublicKey(createPublicKey(createPrivateKey(pem))).toString("base64url");
}
