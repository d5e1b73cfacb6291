/**
 * Virtual time and seeded randomness for the deterministic simulation: the daemon's Clock and
 * RandomSource ports, driven by the simulation instead of the world.
 */
import type { Clock, RandomSource, TimerHandle } from "../../src/bank/ports.js";

interface Timer {
  at: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  private t: number;
  private order = 0;
  private timers: Timer[] = [];
  synced = true;

  constructor(start = Date.UTC(2026, 0, 5, 8, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  isSynchronised(): boolean {
    return this.synced;
  }

  after(ms: number, fn: () => void): TimerHandle {
    const timer: Timer = { at: this.t + ms, order: this.order++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Move time forward, firing due timers in order (a timer may schedule more). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((x) => !x.cancelled);
      const next = this.timers.reduce<Timer | null>((a, b) => (a === null || b.at < a.at || (b.at === a.at && b.order < a.order) ? b : a), null);
      if (!next || next.at > end) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }

  pending(): number {
    return this.timers.filter((x) => !x.cancelled).length;
  }
}

/** xoshiro128** seeded with splitmix32: small, fast, and the same sequence for the same seed. */
export class SeededRandom implements RandomSource {
  private s: Uint32Array & [number, number, number, number];

  constructor(readonly seed: number) {
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

  /** Uniform in [0, 1). */
  float(): number {
    return (this.u32() * 2 ** 21 + (this.u32() >>> 11)) / 2 ** 53;
  }

  int(maxExclusive: number): number {
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
