/**
 * Free lockers per bank and size, held in memory: the same answers as banksWithFree,
 * bankAvailability and fleetAvailability (./availability-reads.ts) give from central.locker_counts,
 * without a database round trip. Only data and the questions here; keeping it fresh is
 * ./free-counts-copy.ts's job.
 */
import type { BankAvailability, FleetSizeAvailability, FreeAt } from "./availability-reads.js";
import type { Queryable } from "./queries.js";

/** One bank's sizes (every size it has lockers of, whatever their status): its free and all lockers of each. */
type BankSizes = Map<string, { free: number; total: number }>;

interface CountRow {
  bank_id: string;
  size: string;
  free: number;
  total: number;
}

/** The fleet's sums per size, kept as banks change (a read is then one pass over the sizes, not the banks). */
interface SizeSums {
  free: number;
  total: number;
  /** Banks with a free locker of the size. */
  banksWithFree: number;
  /** Banks with a count of the size (the size is listed while one has). */
  banks: number;
}

/** Per bank and known size, the free and all lockers: what bankAvailability reads (size '' is "not known yet"). */
const COUNTS_SQL = `SELECT bank_id, size, COALESCE(sum(n) FILTER (WHERE status = 'AVAILABLE'), 0)::int AS free, sum(n)::int AS total
  FROM central.locker_counts WHERE size <> '' %WHERE% GROUP BY bank_id, size`;

/** Every bank's counts (one statement: 35,000 banks are about 100,000 rows). */
export async function readAllCounts(db: Queryable): Promise<CountRow[]> {
  return (await db.query<CountRow>(COUNTS_SQL.replace("%WHERE%", ""))).rows;
}

/** These banks' counts (a bank with none has no row). */
export async function readBankCounts(db: Queryable, bankIds: readonly string[]): Promise<CountRow[]> {
  return (await db.query<CountRow>({ name: "fleet-free-counts-of", text: COUNTS_SQL.replace("%WHERE%", "AND bank_id = ANY($1::text[])"), values: [bankIds] })).rows;
}

// Bank ids and sizes are ASCII (BANK_ID, the size pattern): JavaScript's < orders them as
// PostgreSQL's COLLATE "C" does, so answers come in the same order as the SQL's.
const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class FreeCounts {
  private readonly banks = new Map<string, BankSizes>();
  private readonly sums = new Map<string, SizeSums>();
  /** Bank ids in order, for "anywhere in the fleet" (rebuilt only when a bank comes or goes). */
  private ordered: string[] | null = null;

  /** How many banks have counts. */
  get bankCount(): number {
    return this.banks.size;
  }

  /** Replace everything (a reload). */
  replaceAll(rows: readonly CountRow[]): void {
    this.banks.clear();
    this.sums.clear();
    this.ordered = null;
    this.put(rows);
  }

  /** Replace these banks' counts with the rows read for them (a bank without rows is dropped). */
  replaceBanks(bankIds: Iterable<string>, rows: readonly CountRow[]): void {
    for (const id of bankIds) {
      const sizes = this.banks.get(id);
      if (!sizes) continue;
      for (const [size, c] of sizes) this.addToSums(size, c, -1);
      this.banks.delete(id);
      this.ordered = null;
    }
    this.put(rows);
  }

  private addToSums(size: string, c: { free: number; total: number }, sign: 1 | -1): void {
    let t = this.sums.get(size);
    if (!t) this.sums.set(size, (t = { free: 0, total: 0, banksWithFree: 0, banks: 0 }));
    t.free += sign * c.free;
    t.total += sign * c.total;
    if (c.free > 0) t.banksWithFree += sign;
    t.banks += sign;
    if (t.banks === 0) this.sums.delete(size);
  }

  private put(rows: readonly CountRow[]): void {
    for (const r of rows) {
      let sizes = this.banks.get(r.bank_id);
      if (!sizes) {
        sizes = new Map();
        this.banks.set(r.bank_id, sizes);
        this.ordered = null;
      }
      const old = sizes.get(r.size);
      if (old) this.addToSums(r.size, old, -1);
      const c = { free: r.free, total: r.total };
      sizes.set(r.size, c);
      this.addToSums(r.size, c, 1);
    }
  }

  private freeOf(sizes: BankSizes | undefined, wanted: readonly string[]): number {
    if (!sizes) return 0;
    let free = 0;
    for (const s of wanted) {
      const n = sizes.get(s)?.free;
      if (n !== undefined && n > 0) free += n;
    }
    return free;
  }

  /** As banksWithFree: the banks (named, or of the fleet in id order) with free lockers of these sizes, up to limit. */
  banksWithFree(q: { sizes: readonly string[]; bankIds?: readonly string[] | undefined; limit: number }): FreeAt[] {
    const out: FreeAt[] = [];
    if (q.bankIds !== undefined) {
      for (const bankId of new Set(q.bankIds)) {
        const free = this.freeOf(this.banks.get(bankId), q.sizes);
        if (free > 0) out.push({ bankId, free });
      }
      out.sort((a, b) => byCode(a.bankId, b.bankId));
      return out.length > q.limit ? out.slice(0, q.limit) : out;
    }
    this.ordered ??= [...this.banks.keys()].sort(byCode);
    for (const bankId of this.ordered) {
      if (out.length >= q.limit) break;
      const free = this.freeOf(this.banks.get(bankId), q.sizes);
      if (free > 0) out.push({ bankId, free });
    }
    return out;
  }

  /** As bankAvailability: free lockers per size the bank has (0 for a size with none free); {} for a bank without counts. */
  bankAvailability(bankId: string): BankAvailability {
    const sizes = this.banks.get(bankId);
    if (!sizes) return { bankId, free: {} };
    return { bankId, free: Object.fromEntries([...sizes].sort(([a], [b]) => byCode(a, b)).map(([size, c]) => [size, c.free])) };
  }

  /** As fleetAvailability: per size, in order, the fleet's free and all lockers and the banks with one free. */
  fleetAvailability(): FleetSizeAvailability[] {
    return [...this.sums]
      .sort(([a], [b]) => byCode(a, b))
      .map(([size, t]) => ({ size, free: t.free, total: t.total, banksWithFree: t.banksWithFree }));
  }
}
