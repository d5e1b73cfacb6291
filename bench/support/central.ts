/**
 * A central PostgreSQL for benchmarks: a private throwaway cluster (the test suite's own
 * launcher), switched back to full durability (fsync on) so the figures are honest, with the
 * central schema migrated and one bank created.
 */
import pg from "pg";
import { createBank, createIngestRole } from "../../src/central/banks.js";
import { migrateCentral } from "../../src/central/apply.js";
import { PRODUCTION_LIKE_LOCALE, startPrivateCluster } from "../../test/support/postgres-setup.js";

export interface BenchCentral {
  adminUrl: string;
  /** The private cluster's data directory (its postmaster.pid names the server). */
  dataDir: string;
  /** One bank's key, and the shared ingest role every bank logs in as. */
  bank: { bankId: string; key: string; role: string; password: string; host: string; port: number; database: string };
  admin(): Promise<pg.Client>;
  stop(): void;
}

/**
 * scramIterations: of the shared ingest role's password (the fleet simulator hosts thousands of
 * banks in one process; each real bank pays its own SCRAM on its own CPU).
 */
export async function startBenchCentral(bankId = "bench", scramIterations?: number): Promise<BenchCentral> {
  const cluster = await startPrivateCluster();
  const server = new pg.Client({ connectionString: cluster.adminUrl });
  await server.connect();
  try {
    // The launcher turns durability off for test speed; a benchmark measures the real thing.
    await server.query("ALTER SYSTEM SET fsync = on");
    await server.query("ALTER SYSTEM SET synchronous_commit = on");
    await server.query("ALTER SYSTEM SET full_page_writes = on");
    await server.query("SELECT pg_reload_conf()");
    await server.query(`CREATE DATABASE lockerd_central ${PRODUCTION_LIKE_LOCALE}`);
  } finally {
    await server.end();
  }
  const u = new URL(cluster.adminUrl);
  u.pathname = "/lockerd_central";
  const adminUrl = u.toString();
  const admin = async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    return c;
  };
  const c = await admin();
  let creds;
  try {
    await migrateCentral(c);
    creds = { ...(await createBank(c, { bankId })), ...(await createIngestRole(c, { scramIterations })) };
  } finally {
    await c.end();
  }
  return {
    adminUrl,
    dataDir: cluster.dataDir,
    bank: { ...creds, host: u.hostname, port: Number(u.port), database: "lockerd_central" },
    admin,
    stop: () => cluster.stop(),
  };
}
