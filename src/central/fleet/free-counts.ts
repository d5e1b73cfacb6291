/**
 * Free lockers per bank and size, held in memory: the same answers as banksWithFree and
 * bankAvailability (./queries.ts) give from central.locker_counts, without a database round
 * trip. Only data and the two questions here; keeping it fresh is ./free-counts-copy.ts's job.
 */
import type { BankAvailability, FreeAt, Queryable } from "./queries.js";

/** One bank's sizes (every size it has lockers of, whatever their status) and the free lockers of each. */
type BankSizes = Map<string, number>;

interface CountRow {
  bank_id: string;
  size: string;
  free: number;
}

/** Per bank and known size, the free lockers: what bankAvailability reads (size '' is "not known yet"). */
const COUNTS_SQL = `SELECT bank_id, size, COALESCE(sum(n) FILTER (WHERE status = 'AVAILABLE'), 0)::int AS free
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
  /** Bank ids in order, for "anywhere in the fleet" (rebuilt only when a bank comes or goes). */
  private ordered: string[] | null = null;

  /** How many banks have counts. */
  get bankCount(): number {
    return this.banks.size;
  }

  /** Replace everything (a reload). */
  replaceAll(rows: readonly CountRow[]): void {
    this.banks.clear();
    this.ordered = null;
    this.put(rows);
  }

  /** Replace these banks' counts with the rows read for them (a bank without rows is dropped). */
  replaceBanks(bankIds: Iterable<string>, rows: readonly CountRow[]): void {
    for (const id of bankIds) {
      if (this.banks.delete(id)) this.ordered = null;
    }
    this.put(rows);
  }

  private put(rows: readonly CountRow[]): void {
    for (const r of rows) {
      let sizes = this.banks.get(r.bank_id);
      if (!sizes) {
        sizes = new Map();
        this.banks.set(r.bank_id, sizes);
        this.ordered = null;
      }
      sizes.set(r.size, r.free);
    }
  }

  private freeOf(sizes: BankSizes | undefined, wanted: readonly string[]): number {
    if (!sizes) return 0;
    let free = 0;
    for (const s of wanted) {
      const n = sizes.get(s);
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
    return { bankId, free: Object.fromEntries([...sizes].sort(([a], [b]) => byCode(a, b))) };
  }
}
