/** A seeded RandomSource (mulberry32) so a failing property or scenario replays exactly. */
import type { RandomSource } from "../../src/bank/ports.js";

export class SeededRandom implements RandomSource {
  private state: number;

  constructor(seed = 1) {
    this.state = seed >>> 0;
  }

  private next32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > 2 ** 48) throw new RangeError(`bad bound ${maxExclusive}`);
    // 53 random bits, then scale: bias is negligible for test purposes.
    const x = this.next32() * 2 ** 21 + (this.next32() >>> 11);
    return Math.floor((x / 2 ** 53) * maxExclusive);
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.next32() & 0xff;
    return b;
  }
}

/** A RandomSource that answers the given ints in turn (then falls back to a seeded one). */
export function scriptedRandom(ints: number[], fallback: RandomSource = new SeededRandom(7)): RandomSource {
  const queue = [...ints];
  return {
    int: (max) => (queue.length ? queue.shift()! % max : fallback.int(max)),
    bytes: (n) => fallback.bytes(n),
  };
}
