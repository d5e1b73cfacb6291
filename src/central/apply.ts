/** Applying the central schema's migrations: once each, in order, under an advisory lock. */
import type pg from "pg";
import { CENTRAL_MIGRATIONS } from "./migrations/index.js";

/** Lock key so two operators migrating at once take turns. */
const MIGRATE_LOCK = 7_345_001;

/** Apply every migration not yet applied, or (`upTo`, for tests of the history) those up to that version. */
export async function migrateCentral(client: pg.ClientBase, upTo: number = CENTRAL_MIGRATIONS.length): Promise<{ from: number; to: number }> {
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATE_LOCK]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS public.lockerd_central_migrations (
      version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const r = await client.query<{ v: number | null }>("SELECT max(version) AS v FROM public.lockerd_central_migrations");
    const from = r.rows[0]?.v ?? 0;
    if (from > CENTRAL_MIGRATIONS.length) {
      throw new Error(`the central schema is at version ${from}, newer than this lockerd knows (${CENTRAL_MIGRATIONS.length})`);
    }
    const to = Math.max(from, Math.min(upTo, CENTRAL_MIGRATIONS.length));
    for (let v = from; v < to; v++) {
      await client.query("BEGIN");
      try {
        await client.query(CENTRAL_MIGRATIONS[v]!);
        await client.query("INSERT INTO public.lockerd_central_migrations (version) VALUES ($1)", [v + 1]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      }
    }
    return { from, to };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATE_LOCK]);
  }
}
