/**
 * What the bank's rules need from the outside world, as small interfaces so tests and the
 * deterministic simulation can hand in their own.
 */
import { randomBytes, randomInt } from "node:crypto";

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall time in milliseconds since the epoch. */
  now(): number;
  /** Run fn once after ms; the handle cancels it. */
  after(ms: number, fn: () => void): TimerHandle;
  /** Whether wall time is known to be synchronised (NTP); a Pi has no RTC. */
  isSynchronised(): boolean;
}

export interface RandomSource {
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  bytes(n: number): Buffer;
}

/** Cryptographic randomness: codes and tokens must never be guessable. */
export const cryptoRandom: RandomSource = {
  int: (maxExclusive) => randomInt(0, maxExclusive),
  bytes: (n) => randomBytes(n),
};
