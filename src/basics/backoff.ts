/**
 * The one backoff: capped exponential, after the n-th failure in a row min * 2^(n-1), never
 * above max. With jitter (sync: banks that lost the server together must not come back
 * together) the wait is uniform in [min, that cap]; without it (a local device or board
 * reconnecting) it is the cap itself.
 */
export interface BackoffSettings {
  minMs: number;
  maxMs: number;
}

/** The capped wait after the n-th failure in a row (n >= 1): min(max, min * 2^(n-1)). */
export function cappedDelay(failures: number, s: BackoffSettings): number {
  return Math.min(s.maxMs, s.minMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
}

/** Full jitter: a uniform random time in [min, cappedDelay]. */
export function backoffDelay(failures: number, s: BackoffSettings, random: () => number = Math.random): number {
  const cap = cappedDelay(failures, s);
  return Math.round(s.minMs + random() * (cap - s.minMs));
}

/** Failures in a row and the wait after the next one; reset() on success. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly settings: BackoffSettings,
    /** A random source for full jitter; none: the capped wait itself. */
    private readonly jitter: (() => number) | null = null,
  ) {}

  /** Count one more failure; the time to wait before trying again. */
  next(): number {
    this.failures++;
    return this.jitter ? backoffDelay(this.failures, this.settings, this.jitter) : cappedDelay(this.failures, this.settings);
  }

  reset(): void {
    this.failures = 0;
  }
}
