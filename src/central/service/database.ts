/**
 * The central database pool of one instance, from the configuration: a URL, or host and the
 * rest, or libpq's PG* variables; a password from a file (never in the configuration itself).
 */
import { readFileSync, statSync } from "node:fs";
import pg from "pg";
import { ConfigError } from "../../config/errors.js";
import type { Logger } from "../../system/logger.js";
import type { ResolvedCentralConfig } from "./config.js";

export function poolConfig(cfg: ResolvedCentralConfig, log: Logger): pg.PoolConfig {
  const d = cfg.database;
  const c: pg.PoolConfig = {
    max: d.poolSize,
    connectionTimeoutMillis: d.connectTimeoutMs,
    statement_timeout: d.statementTimeoutMs,
    query_timeout: d.statementTimeoutMs + 5000,
    application_name: `lockerd-central ${cfg.instance}`.slice(0, 63),
  };
  let password: string | undefined;
  if (cfg.paths.passwordFile) {
    const path = cfg.paths.passwordFile;
    try {
      if ((statSync(path).mode & 0o077) !== 0) log.warn({ path }, "the database password file is readable by others; chmod 600 it");
      password = readFileSync(path, "utf8").replace(/\r?\n$/, "");
    } catch (e) {
      throw new ConfigError("configuration", [`database.passwordFile: cannot read ${path}: ${(e as Error).message}`]);
    }
  }
  if (d.url) {
    if (password !== undefined) {
      const u = new URL(d.url);
      if (!u.hostname) throw new ConfigError("configuration", ["database.passwordFile: needs a host in database.url (or database.host)"]);
      u.password = encodeURIComponent(password);
      c.connectionString = u.toString();
    } else {
      c.connectionString = d.url;
    }
  }
  if (d.host) c.host = d.host;
  if (d.port) c.port = d.port;
  if (d.database) c.database = d.database;
  if (d.user) c.user = d.user;
  if (password !== undefined && !d.url) c.password = password;
  if (d.tls === "require") c.ssl = { rejectUnauthorized: false };
  else if (d.tls === "verify-full") c.ssl = { rejectUnauthorized: true, ...(cfg.paths.caFile ? { ca: readFileSync(cfg.paths.caFile, "utf8") } : {}) };
  return c;
}

export function createPool(cfg: ResolvedCentralConfig, log: Logger): pg.Pool {
  const pool = new pg.Pool(poolConfig(cfg, log));
  // An idle connection the server dropped: the pool replaces it; not a reason to crash.
  pool.on("error", (e) => log.warn({ err: e }, "idle database connection lost"));
  return pool;
}

/** Run fn in one transaction on a connection of its own. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query("BEGIN");
    const out = await fn(c);
    await c.query("COMMIT");
    return out;
  } catch (e) {
    await c.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw e;
  } finally {
    // a connection that cannot even roll back is dropped, not handed to the next caller
    c.release(broken);
  }
}
