/**
 * The bare batched insert of one connection, the yardstick of the central ingest benchmarks:
 * batches of `rowsPerBatch` rows, each one `INSERT … SELECT` from a JSON array (one statement,
 * its own commit) into a table with only a primary key, straight to PostgreSQL. The fleet
 * simulator (fleet/storm.ts) and center-ingest both measure it in their own run.
 */
import type pg from "pg";

/** Until `ms` has passed, or until `totalRows` rows are in (whole batches; the last may be short). */
export type BareInsertBound = { ms: number } | { totalRows: number };

export async function bareInsertRate(admin: pg.Client, rowsPerBatch: number, bound: BareInsertBound): Promise<{ rate: number; rows: number; seconds: number }> {
  if (!Number.isInteger(rowsPerBatch) || rowsPerBatch < 1) throw new Error(`bare insert: rows per batch must be a whole number of at least 1 (got ${rowsPerBatch})`);
  await admin.query(`CREATE TABLE public.bare_insert (bank_id text COLLATE "C", seq bigint, at timestamptz, type text, data jsonb, PRIMARY KEY (bank_id, seq))`);
  try {
    const json = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ seq: i + 1, type: "door.opened", data: { purpose: "deposit" } })));
    const full = json(rowsPerBatch);
    const t0 = performance.now();
    let n = 0;
    for (let b = 0; "ms" in bound ? performance.now() - t0 < bound.ms : n < bound.totalRows; b++) {
      const rows = "ms" in bound ? rowsPerBatch : Math.min(rowsPerBatch, bound.totalRows - n);
      await admin.query(
        `INSERT INTO public.bare_insert SELECT $1, (e ->> 'seq')::bigint, now(), e ->> 'type', e -> 'data' FROM jsonb_array_elements($2::jsonb) e`,
        [`bare-${b}`, rows === rowsPerBatch ? full : json(rows)],
      );
      n += rows;
    }
    const seconds = (performance.now() - t0) / 1000;
    return { rate: n / seconds, rows: n, seconds };
  } finally {
    await admin.query(`DROP TABLE public.bare_insert`);
  }
}
