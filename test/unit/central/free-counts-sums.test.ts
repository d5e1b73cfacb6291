/**
 * The in-memory copy's fleet sums per size (FreeCounts.fleetAvailability) are kept as banks are
 * replaced, not recomputed: after any sequence of reloads and bank re-reads they must equal a
 * count over what the copy holds, as fleetAvailability's SQL counts central.locker_counts.
 */
import { expect, it } from "vitest";
import { FreeCounts } from "../../../src/central/fleet/free-counts.js";

type Row = { bank_id: string; size: string; free: number; total: number };

/** What the SQL answers for these rows: per size in order, sums and the banks with a free locker. */
function recount(rows: Row[]) {
  const by = new Map<string, { size: string; free: number; total: number; banksWithFree: number }>();
  for (const r of rows) {
    const t = by.get(r.size) ?? { size: r.size, free: 0, total: 0, banksWithFree: 0 };
    t.free += r.free;
    t.total += r.total;
    if (r.free > 0) t.banksWithFree++;
    by.set(r.size, t);
  }
  return [...by.values()].sort((a, b) => (a.size < b.size ? -1 : a.size > b.size ? 1 : 0));
}

/** A small deterministic generator (no flaky seeds). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function bankRows(bankId: string, rnd: () => number): Row[] {
  const rows: Row[] = [];
  for (const size of ["L", "M", "S", "XL"]) {
    if (rnd() < 0.35) continue;
    const total = Math.floor(rnd() * 5);
    rows.push({ bank_id: bankId, size, total, free: Math.floor(rnd() * (total + 1)) });
  }
  return rows;
}

it("after reloads and re-reads of banks (changed, emptied, new) the sums equal a recount of the copy", () => {
  const rnd = lcg(42);
  const held = new Map<string, Row[]>();
  const counts = new FreeCounts();
  const ids = Array.from({ length: 30 }, (_, i) => `B${String(i).padStart(3, "0")}`);
  for (const id of ids.slice(0, 20)) held.set(id, bankRows(id, rnd));
  counts.replaceAll([...held.values()].flat());
  expect(counts.fleetAvailability()).toEqual(recount([...held.values()].flat()));
  for (let round = 0; round < 300; round++) {
    const some = ids.filter(() => rnd() < 0.15);
    // a bank re-read may come back with other counts, with none (it left), or be new
    const rows = some.flatMap((id) => {
      const r = rnd() < 0.2 ? [] : bankRows(id, rnd);
      held.set(id, r);
      return r;
    });
    counts.replaceBanks(some, rows);
    expect(counts.fleetAvailability(), `round ${round}`).toEqual(recount([...held.values()].flat()));
  }
  // every bank gone: no size is listed, as the SQL lists none of an empty table
  counts.replaceBanks(ids, []);
  expect(counts.fleetAvailability()).toEqual([]);
});
