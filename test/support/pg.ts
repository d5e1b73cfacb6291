/**
 * Per-test-file PostgreSQL databases on the server globalSetup found or started: each file gets
 * its own fresh database (so files run in parallel) and drops it, and the roles it made, after.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { runPg } from "./postgres-setup.js";

export interface TestDatabase {
  name: string;
  /** Superuser URL of this database. */
  url: string;
  /** A URL for the same database as another role. */
  urlAs(user: string, password: string): string;
  /** Run a statement as the superuser. */
  admin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
  /** Remember a cluster-wide role to drop at cleanup. */
  trackRole(role: string): void;
  drop(): Promise<void>;
}

export function withUrlDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl } = inject("postgres");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const server = new pg.Client({ connectionString: adminUrl });
  await server.connect();
  try {
    await server.query(`CREATE DATABASE ${name}`);
  } finally {
    await server.end();
  }
  const url = withUrlDatabase(adminUrl, name);
  const admin = new pg.Client({ connectionString: url });
  admin.on("error", () => {}); // the server may be stopped on purpose by a fault test
  await admin.connect();
  const roles = new Set<string>();
  let adminClient: pg.Client | null = admin;
  const ensureAdmin = async (): Promise<pg.Client> => {
    if (adminClient) return adminClient;
    const c = new pg.Client({ connectionString: url });
    c.on("error", () => {});
    await c.connect();
    adminClient = c;
    return c;
  };
  return {
    name,
    url,
    urlAs(user, password) {
      const u = new URL(url);
      u.username = encodeURIComponent(user);
      u.password = encodeURIComponent(password);
      return u.toString();
    },
    async admin<T extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      try {
        return await (await ensureAdmin()).query<T>(sql, params);
      } catch (e) {
        // a connection broken by a server restart: reconnect once
        if (adminClient && (e as Error).message.includes("Connection terminated")) {
          adminClient = null;
          return (await ensureAdmin()).query<T>(sql, params);
        }
        throw e;
      }
    },
    trackRole(role) {
      roles.add(role);
    },
    async drop() {
      await adminClient?.end().catch(() => {});
      adminClient = null;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        for (const r of roles) await c.query(`DROP ROLE IF EXISTS ${pg.Client.prototype.escapeIdentifier(r)}`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Stop and start the private cluster (fault tests). Null when the server is not ours. */
export function clusterControl(): { stop(): void; start(): void } | null {
  const { private: p } = inject("postgres");
  if (!p) return null;
  return {
    stop: () => void runPg(p.binDir, p.runAs, "pg_ctl", ["stop", "-D", p.dataDir, "-m", "fast", "-w", "-s"]),
    start: () => void runPg(p.binDir, p.runAs, "pg_ctl", ["start", "-D", p.dataDir, "-w", "-s", "-l", `${p.dataDir}/../server.log`]),
  };
}
