/**
 * `npx tsx bench/ingest-profile.ts [--batches 200] [--events 500]`: where central.ingest_as
 * spends a storm's batch. A private PostgreSQL (fsync on) with pg_stat_statements tracking the
 * statements inside functions too; each batch is a fleet bank's first (its lockers' snapshot and
 * a day's backlog, as the fleet simulator sends it), for a new bank each time, on one connection;
 * the bare batched INSERT of the same rows beside it. Prints server time per batch by statement.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { migrateCentral } from "../src/central/apply.js";
import { batchParams } from "../src/sync/central-link.js";
import { recordLockerSnapshot } from "../src/sync/snapshot.js";
import { PRODUCTION_LIKE_LOCALE, startPrivateCluster } from "../test/support/postgres-setup.js";
import { fleetBankContext, templateOutbox } from "./fleet/bank.js";

const { values } = parseArgs({ options: { batches: { type: "string", default: "200" }, events: { type: "string", default: "500" } } });
const n = Number(values.batches);
const events = Number(values.events);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(events) || events < 1) {
  process.stderr.write("ingest-profile: --batches and --events must be whole numbers of at least 1\n");
  process.exit(2);
}
const WARM = 20;
const cluster = await startPrivateCluster();
try {
  const server = new pg.Client({ connectionString: cluster.adminUrl });
  await server.connect();
  for (const q of ["fsync = on", "synchronous_commit = on", "full_page_writes = on", "shared_preload_libraries = 'pg_stat_statements'"]) await server.query(`ALTER SYSTEM SET ${q}`);
  await server.query(`CREATE DATABASE lockerd_central ${PRODUCTION_LIKE_LOCALE}`);
  await server.end();
  cluster.halt(); // pg_stat_statements loads only at server start
  cluster.resume();
  const url = new URL(cluster.adminUrl);
  url.pathname = "/lockerd_central";
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  await migrateCentral(c);
  await c.query("CREATE EXTENSION pg_stat_statements");
  const ids = Array.from({ length: n + WARM }, (_, i) => `P${i}`);
  await c.query(`INSERT INTO central.banks (id, key_sha256, key_set_at) SELECT unnest($1::text[]), decode(repeat('00', 32), 'hex'), now()`, [ids]);
  const ctx = fleetBankContext(templateOutbox(events));
  recordLockerSnapshot(ctx);
  const batch = batchParams("-", ctx.store.outbox.unsent(events + 1))[1];
  ctx.store.close();
  await c.query(`CREATE TABLE public.bare (bank_id text COLLATE "C", seq bigint, at timestamptz, type text, data jsonb, PRIMARY KEY (bank_id, seq))`);
  const INGEST = `SELECT central.ingest_as($1, $2::jsonb)`; // as superuser: the body both ways in share, without the key check
  const BARE = `INSERT INTO public.bare SELECT $1, (e ->> 0)::bigint, now(), e ->> 3, e -> 6 FROM jsonb_array_elements($2::jsonb) e`;
  for (let i = 0; i < WARM; i++) {
    await c.query(INGEST, [ids[n + i], batch]);
    await c.query(BARE, [`warm${i}`, batch]);
  }
  await c.query("SELECT pg_stat_statements_reset()");
  await c.query("SET pg_stat_statements.track = 'all'");
  let ingestMs = 0;
  let bareMs = 0;
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await c.query(INGEST, [ids[i], batch]);
    ingestMs += performance.now() - t;
    t = performance.now();
    await c.query(BARE, [`bare${i}`, batch]);
    bareMs += performance.now() - t;
  }
  await c.query("SET pg_stat_statements.track = 'none'");
  const rows = events + 1;
  const line = (what: string, ms: number) => `${what}: ${(ms / n).toFixed(2)} ms a batch of ${rows} with its commit, ${Math.round((n * rows) / (ms / 1000))} rows/s`;
  console.log(line("central.ingest_as", ingestMs));
  console.log(line("bare INSERT", bareMs));
  console.log("server time a batch, by statement (nested ones inside the total of their caller):");
  const r = await c.query<{ ms: string; calls: string; q: string }>(
    `SELECT round((total_exec_time / $1)::numeric, 2) AS ms, calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS q
     FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 25`,
    [n],
  );
  for (const x of r.rows) console.log(`${x.ms.padStart(8)} ms  ${String(Number(x.calls) / n).padStart(4)}×  ${x.q}`);
  await c.end();
} finally {
  cluster.stop();
}
