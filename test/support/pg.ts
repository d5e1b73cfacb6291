/**
 * Per-test-file PostgreSQL databases on the server globalSetup found or started: each file gets
 * its own fresh database (so files run in parallel) and drops it, and the roles it made, after.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { PRODUCTION_LIKE_LOCALE } from "./postgres-setup.js";

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

export async function createTestDatabase(adminUrl: string = inject("postgres").adminUrl): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  const server = new pg.Client({ connectionString: adminUrl });
  await server.connect();
  try {
    await server.query(`CREATE DATABASE ${name} ${PRODUCTION_LIKE_LOCALE}`);
  } finally {
    await server.end();
  }
  const url = withUrlDatabase(adminUrl, name);
  const roles = new Set<string>();
  let adminClient: pg.Client | null = null;
  const ensureAdmin = async (): Promise<pg.Client> => {
    if (adminClient) return adminClient;
    const c = new pg.Client({ connectionString: url });
    // the server may be stopped on purpose by a fault test: forget the connection, make a new one
    c.on("error", () => {
      if (adminClient === c) adminClient = null;
    });
    await c.connect();
    adminClient = c;
    return c;
  };
  await ensureAdmin();
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
        if (/terminat|not queryable|ECONNRESET/i.test((e as Error).message)) {
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

/** A fresh database and a superuser client on it, for a test file that applies migrations by hand; close() ends both. */
export async function openAdminDatabase(): Promise<{ db: TestDatabase; admin: pg.Client; close(): Promise<void> }> {
  const db = await createTestDatabase();
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  return {
    db,
    admin,
    async close() {
      await admin.end();
      await db.drop();
    },
  };
}

/**
 * openAdminDatabase() for the whole test file: call at the top of the file. The database is made
 * in beforeAll and dropped in afterAll (after the file's own afterAll hooks, which run first);
 * the object's db and admin reach it once tests run.
 */
export function useAdminDatabase(): { readonly db: TestDatabase; readonly admin: pg.Client } {
  let open: Awaited<ReturnType<typeof openAdminDatabase>> | undefined;
  beforeAll(async () => {
    open = await openAdminDatabase();
  });
  afterAll(async () => {
    await open?.close();
    open = undefined;
  });
  const get = () => {
    if (!open) throw new Error("the admin database exists only while the file's tests run");
    return open;
  };
  return {
    get db() {
      return get().db;
    },
    get admin() {
      return get().admin;
    },
  };
}
