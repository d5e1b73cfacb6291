/**
 * Pickup codes: numeric, from a cryptographic source, stored only as an HMAC keyed with a
 * secret the daemon keeps to itself, looked up by that hash and compared in constant time.
 * A plain code exists in memory only long enough to hash it, and once more in the outbox event
 * that lets the central server notify the customer. Never log one.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { RandomSource } from "../basics/ports.js";

import { MAX_CODE_DIGITS, MIN_CODE_DIGITS } from "../basics/code-digits.js";
export { MAX_CODE_DIGITS, MIN_CODE_DIGITS };

/**
 * Pickup tokens: 160 random bits as 32 base32 characters (A-Z, 2-7), printed as a
 * QR code or barcode. Capitals and digits are the only characters a keyboard-wedge scanner sends
 * the same under every keyboard layout. Far too long to guess, so no attempt limit applies.
 */
export const PICKUP_TOKEN_PATTERN = /^[A-Z2-7]{32}$/;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export class CodeBook {
  constructor(
    private readonly secret: Buffer,
    readonly digits: number,
  ) {
    if (secret.length < 32) throw new Error("code secret must be at least 32 bytes");
    if (!Number.isInteger(digits) || digits < MIN_CODE_DIGITS || digits > MAX_CODE_DIGITS)
      throw new Error(`code length must be ${MIN_CODE_DIGITS}-${MAX_CODE_DIGITS} digits`);
  }

  /** A fresh code of exactly `digits` digits (leading zeros allowed). */
  generate(random: RandomSource): string {
    // randomInt's bound must stay below 2^48; 10 digits is 10^10, well inside.
    return String(random.int(10 ** this.digits)).padStart(this.digits, "0");
  }

  /** Whether a string could be a code at all (right length, digits only). */
  isWellFormed(code: string): boolean {
    return code.length === this.digits && /^[0-9]+$/.test(code);
  }

  hash(code: string): Buffer {
    return createHmac("sha256", this.secret).update("pickup-code:").update(code).digest();
  }

  generateToken(random: RandomSource): string {
    const bytes = random.bytes(20);
    let bits = 0;
    let value = 0;
    let out = "";
    for (const b of bytes) {
      value = (value << 8) | b;
      bits += 8;
      while (bits >= 5) {
        out += BASE32[(value >>> (bits - 5)) & 31];
        bits -= 5;
      }
      value &= (1 << bits) - 1;
    }
    return out;
  }

  hashToken(token: string): Buffer {
    return createHmac("sha256", this.secret).update("pickup-token:").update(token).digest();
  }

  /** Constant-time check that a stored hash belongs to a code. */
  matches(code: string, stored: Buffer): boolean {
    const h = this.hash(code);
    return h.length === stored.length && timingSafeEqual(h, stored);
  }
}
