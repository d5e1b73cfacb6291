/**
 * Capped exponential backoff with full jitter: after the n-th failure in a row wait a uniform
 * random time in [min, min(max, min * 2^(n-1))], so banks that lost the server together do
 * not come back together.
 */
export interface BackoffSettings {
  minMs: number;
  maxMs: number;
}

export function backoffDelay(failures: number, s: BackoffSettings, random: () => number = Math.random): number {
  const cap = Math.min(s.maxMs, s.minMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
  return Math.round(s.minMs + random() * (cap - s.minMs));
}
