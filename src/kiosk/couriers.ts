/**
 * Courier credentials (from the configuration and from central, see bank/couriers.ts): a badge
 * (a long random barcode, stored as its SHA-256) or a PIN typed at the keypad. A PIN is short —
 * 10^8 possibilities at 8 digits — so a plain SHA-256 of it would fall to a brute force in
 * seconds if the configuration leaked; PINs are stored as scrypt hashes with a per-entry salt,
 * which makes every guess cost memory and time and rules out precomputed tables. Every entry is
 * compared, so timing does not tell which courier matched.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { signInEntries, type SignInEntry } from "../bank/couriers.js";
import type { PassHolder } from "../bank/pass-sign-in.js";
import type { StoredCredential } from "../store/courier-credentials.js";

export type CourierEntry = SignInEntry;

export interface Courier {
  id: string;
  name: string;
  /** The stored hash that matched (badge SHA-256 or PIN hash): the session lasts while it signs in. Never logged. */
  credential: string;
  /** Whose returns they collect (configured, or the courier pass's). */
  carrier?: string | undefined;
  /** Signed in with a courier pass: the session lasts while the pass is valid and not revoked. */
  pass?: PassHolder;
}

/**
 * A signed-in courier's standing now: active while the credential they signed in with still
 * signs them in; revoked when they cannot sign in at all; replaced when central issued them
 * another credential (the old one stops working at once, and so does its session).
 */
export type Standing = "active" | "revoked" | "replaced";

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

const PIN_HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)$/;

/**
 * Why a "scrypt$N$r$p$salt$hash" string is unusable, or null. Bounds keep one sign-in from
 * costing more than ~256 MiB or taking minutes on a Pi, and keep weak parameters out.
 */
export function pinHashProblem(s: string): string | null {
  const m = PIN_HASH.exec(s);
  if (!m) return "expected scrypt$N$r$p$salt$hash (salt and hash in base64)";
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 1024 || N > 1_048_576 || (N & (N - 1)) !== 0) return `N must be a power of two from 1024 to 1048576 (got ${m[1]})`;
  if (r < 1 || r > 32) return `r must be 1 to 32 (got ${m[2]})`;
  if (p < 1 || p > 16) return `p must be 1 to 16 (got ${m[3]})`;
  if (128 * N * r > 256 * 1024 * 1024) return "N and r together need more than 256 MiB";
  if (Buffer.from(m[4]!, "base64").length < 8) return "the salt must be at least 8 bytes";
  const key = Buffer.from(m[5]!, "base64").length;
  if (key < 16 || key > 64) return "the hash must be 16 to 64 bytes";
  return null;
}

async function pinMatches(pin: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = stored.split("$");
  const expected = Buffer.from(hash!, "base64");
  const N = Number(n);
  const R = Number(r);
  const key = await scryptAsync(pin, Buffer.from(salt!, "base64"), expected.length, { N, r: R, p: Number(p), maxmem: 256 * N * R });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * The couriers who may sign in, read at each sign-in (rare) so a credential central adds or
 * revokes counts from the next badge or PIN on, and at each change of credentials so a session
 * whose credential stopped working ends (see Kiosk).
 */
export class CourierDirectory {
  constructor(
    private readonly configured: readonly CourierEntry[],
    private readonly stored: () => readonly StoredCredential[] = () => [],
  ) {}

  private entries(): CourierEntry[] {
    return signInEntries(this.configured, this.stored());
  }

  get size(): number {
    return this.entries().length;
  }

  get withPin(): number {
    return this.entries().filter((e) => e.pinHash).length;
  }

  byBadge(scan: string): Courier | null {
    const digest = createHash("sha256").update(scan).digest();
    let found: Courier | null = null;
    for (const e of this.entries()) {
      if (!e.badgeSha256) continue;
      if (timingSafeEqual(Buffer.from(e.badgeSha256, "hex"), digest) && !found) found = { id: e.id, name: e.name, credential: e.badgeSha256, carrier: e.carrier };
    }
    return found;
  }

  async byPin(pin: string): Promise<Courier | null> {
    let found: Courier | null = null;
    for (const e of this.entries()) {
      if (!e.pinHash) continue;
      if ((await pinMatches(pin, e.pinHash)) && !found) found = { id: e.id, name: e.name, credential: e.pinHash, carrier: e.carrier };
    }
    return found;
  }

  /** Whether a signed-in courier may go on (see Standing); hashes compared are not secret input. */
  standing(c: Courier): Standing {
    const mine = this.entries().filter((e) => e.id === c.id);
    if (!mine.length) return "revoked";
    return mine.some((e) => e.badgeSha256 === c.credential || e.pinHash === c.credential) ? "active" : "replaced";
  }
}
