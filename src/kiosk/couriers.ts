/**
 * Courier credentials from configuration: a badge (a long random barcode, stored as its SHA-256)
 * or a PIN typed at the keypad. A PIN is short — 10^8 possibilities at 8 digits — so a plain
 * SHA-256 of it would fall to a brute force in seconds if the configuration leaked; PINs are
 * stored as scrypt hashes with a per-entry salt, which makes every guess cost memory and time
 * and rules out precomputed tables. Every entry is compared, so timing does not tell which
 * courier matched.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

export interface CourierEntry {
  id: string;
  name: string;
  badgeSha256?: string | undefined;
  pinHash?: string | undefined;
}

export interface Courier {
  id: string;
  name: string;
}

const DEFAULT_SCRYPT = { N: 16384, r: 8, p: 1 };

function scryptAsync(secret: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** "scrypt$N$r$p$salt$hash" (base64) for a PIN; see src/tools/courier-credential.ts. */
export async function hashPin(pin: string, params = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt, 32, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export const badgeSha256 = (badge: string) => createHash("sha256").update(badge).digest("hex");

async function pinMatches(pin: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = stored.split("$");
  const expected = Buffer.from(hash!, "base64");
  const N = Number(n);
  const R = Number(r);
  const key = await scryptAsync(pin, Buffer.from(salt!, "base64"), expected.length, { N, r: R, p: Number(p), maxmem: 256 * N * R });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export class CourierDirectory {
  constructor(private readonly entries: readonly CourierEntry[]) {}

  get size(): number {
    return this.entries.length;
  }

  get withPin(): number {
    return this.entries.filter((e) => e.pinHash).length;
  }

  byBadge(scan: string): Courier | null {
    const digest = createHash("sha256").update(scan).digest();
    let found: Courier | null = null;
    for (const e of this.entries) {
      if (!e.badgeSha256) continue;
      if (timingSafeEqual(Buffer.from(e.badgeSha256, "hex"), digest) && !found) found = { id: e.id, name: e.name };
    }
    return found;
  }

  async byPin(pin: string): Promise<Courier | null> {
    let found: Courier | null = null;
    for (const e of this.entries) {
      if (!e.pinHash) continue;
      if ((await pinMatches(pin, e.pinHash)) && !found) found = { id: e.id, name: e.name };
    }
    return found;
  }
}
