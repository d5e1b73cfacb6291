/**
 * Where an availability answer comes from: the instance's in-memory copy when it is fresh
 * (./free-counts-copy.ts), else PostgreSQL's count table (./availability-reads.ts), the same answer either
 * way. Never a stale copy: the copy itself says when it is too old to answer.
 */
import type { FreeCounts } from "./free-counts.js";
import { bankAvailability, banksWithFree, fleetAvailability, type BankAvailability, type FleetSizeAvailability, type FreeAt } from "./availability-reads.js";
import type { Queryable } from "./queries.js";

export interface AvailabilityCopyView {
  /** The copy when it may answer, else null. */
  fresh(): FreeCounts | null;
  /** Count a read PostgreSQL answered instead. */
  fellBack(): void;
}

export interface AvailabilityReader {
  banksWithFree(q: { sizes: readonly string[]; bankIds?: readonly string[] | undefined; limit: number }): Promise<FreeAt[]>;
  bankAvailability(bankId: string): Promise<BankAvailability>;
  fleetAvailability(): Promise<FleetSizeAvailability[]>;
}

export function availabilityReader(db: Queryable, copy: AvailabilityCopyView | null): AvailabilityReader {
  const fromCopy = (): FreeCounts | null => {
    if (!copy) return null;
    const c = copy.fresh();
    if (!c) copy.fellBack();
    return c;
  };
  return {
    async banksWithFree(q) {
      return fromCopy()?.banksWithFree(q) ?? banksWithFree(db, q);
    },
    async bankAvailability(bankId) {
      return fromCopy()?.bankAvailability(bankId) ?? bankAvailability(db, bankId);
    },
    async fleetAvailability() {
      return fromCopy()?.fleetAvailability() ?? fleetAvailability(db);
    },
  };
}
