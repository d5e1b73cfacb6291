/**
 * The one seeded randomness of the tests, so a failing property, fuzz run, scenario or simulation
 * replays exactly: the daemon's RandomSource port plus the draws a simulated world needs (float,
 * pick, chance). Its time is FakeClock (clock.ts).
 */
import type { RandomSource } from "../../src/basics/ports.js";

/** xoshiro128** seeded with splitmix32: small, fast, and the same sequence for the same seed. */
export class SeededRandom implements RandomSource {
  private s: Uint32Array & [number, number, number, number];

  constructor(readonly seed = 1) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = new Uint32Array([next(), next(), next(), next()]) as Uint32Array & [number, number, number, number];
  }

  private u32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1), from 53 random bits. */
  float(): number {
    return (this.u32() * 2 ** 21 + (this.u32() >>> 11)) / 2 ** 53;
  }

  /** Uniform in [0, maxExclusive); the scaling bias is negligible for test purposes. */
  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > 2 ** 48) throw new RangeError(`bad bound ${maxExclusive}`);
    return Math.floor(this.float() * maxExclusive);
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.float() < p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A RandomSource that answers the given ints in turn (then falls back to a seeded one). */
export function scriptedRandom(ints: number[], fallback: RandomSource = new SeededRandom(7)): RandomSource {
  const queue = [...ints];
  return {
    int: (max) => (queue.length ? queue.shift()! % max : fallback.int(max)),
    bytes: (n) => fallback.bytes(n),
  };
}
