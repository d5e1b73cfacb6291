/**
 * Pickup codes: numeric, from a cryptographic source, stored only as an HMAC keyed with a
 * secret the daemon keeps to itself, looked up by that hash and compared in constant time.
 * A plain code exists in memory only long enough to hash it, and once more in the outbox event
 * that lets the central server notify the customer. Never log one.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { RandomSource } from "./ports.js";

export const MIN_CODE_DIGITS = 6;
export const MAX_CODE_DIGITS = 10;

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

  /** Constant-time check that a stored hash belongs to a code. */
  matches(code: string, stored: Buffer): boolean {
    const h = this.hash(code);
    return h.length === stored.length && timingSafeEqual(h, stored);
  }
}
