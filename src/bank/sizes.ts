/**
 * Locker sizes are ordered smallest first; a parcel fits any locker of its size or larger.
 * The order comes from configuration so a bank can add sizes (XS, XL) without code changes.
 */
export class SizeScale {
  private readonly rank = new Map<string, number>();

  constructor(readonly sizes: readonly string[]) {
    sizes.forEach((s, i) => this.rank.set(s, i));
  }

  has(size: string): boolean {
    return this.rank.has(size);
  }

  /** Rank of a size (0 = smallest). Throws on an unknown size: callers validate first. */
  rankOf(size: string): number {
    const r = this.rank.get(size);
    if (r === undefined) throw new Error(`unknown locker size ${size}`);
    return r;
  }
}

export const DEFAULT_SIZES = ["S", "M", "L"] as const;
