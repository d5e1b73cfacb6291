/**
 * A private PgBouncer (Debian's `pgbouncer`) in front of the test PostgreSQL, as an operator runs
 * it for many banks: transaction pooling, a pool per bank role, SCRAM for the banks through
 * auth_query (the lookup function of docs/pgbouncer/auth-query.sql), few server connections.
 * Its config and log live in a temp dir; it listens on 127.0.0.1 on a free port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestDatabase } from "./pg.js";
import { freePort } from "./postgres-setup.js";

export const PGBOUNCER = "/usr/sbin/pgbouncer";

export interface TestBouncer {
  port: number;
  /** PgBouncer's process id (its CPU time in /proc, for benchmarks). */
  pid: number;
  /** The same URL with PgBouncer's host and port instead of the server's. */
  via(url: string): string;
  log(): string;
  stop(): Promise<void>;
}

export interface BouncerOptions {
  /** Server connections per bank role (pgbouncer's default_pool_size). */
  poolSize?: number;
  /** Server connections to the database in all (pgbouncer's max_db_connections). */
  maxServerConnections?: number;
  /** More [pgbouncer] settings. */
  extra?: Record<string, string | number>;
  /** More auth_file lines: user and its SCRAM secret (PgBouncer then needs no auth_query for them). */
  users?: Record<string, string>;
}

/**
 * Set up the auth_query lookup in the database (as the operator would, from the docs' SQL) for a
 * lookup role of this run, and start PgBouncer in front of the database's server.
 */
export async function startPgBouncer(db: TestDatabase, opts: BouncerOptions = {}): Promise<TestBouncer> {
  if (!existsSync(PGBOUNCER)) throw new Error(`${PGBOUNCER} not found: install Debian's pgbouncer (apt-get install pgbouncer; .ci/run does)`);
  const authRole = `lockerd_pgbouncer_${randomBytes(4).toString("hex")}`;
  const authPassword = randomBytes(12).toString("hex");
  db.trackRole(authRole);
  await db.admin(`CREATE ROLE ${authRole} LOGIN PASSWORD '${authPassword}'`);
  const sql = readFileSync(new URL("../../docs/pgbouncer/auth-query.sql", import.meta.url), "utf8").replaceAll("lockerd_pgbouncer", authRole);
  await db.admin(sql);

  const server = new URL(db.url);
  const dir = mkdtempSync(join(tmpdir(), "lockerd-pgbouncer-"));
  chmodSync(dir, 0o755); // readable by the user pgbouncer switches to when we are root
  const port = await freePort();
  const settings: Record<string, string | number> = {
    listen_addr: "127.0.0.1",
    listen_port: port,
    unix_socket_dir: "",
    pool_mode: "transaction",
    auth_type: "scram-sha-256",
    auth_file: join(dir, "userlist.txt"),
    auth_user: authRole,
    auth_query: "SELECT usename, passwd FROM pgbouncer.lockerd_bank_secret($1)",
    default_pool_size: opts.poolSize ?? 1,
    max_db_connections: opts.maxServerConnections ?? 4,
    max_client_conn: 500,
    logfile: join(dir, "pgbouncer.log"),
    pidfile: "",
    ...opts.extra,
  };
  const users = Object.entries(opts.users ?? {}).map(([u, secret]) => `"${u}" "${secret}"\n`);
  writeFileSync(join(dir, "userlist.txt"), `"${authRole}" "${authPassword}"\n${users.join("")}`);
  const ini = [
    "[databases]",
    `${db.name} = host=${server.hostname} port=${server.port} dbname=${db.name}`,
    "[pgbouncer]",
    ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
  ].join("\n");
  writeFileSync(join(dir, "pgbouncer.ini"), ini + "\n");
  for (const f of ["userlist.txt", "pgbouncer.ini"]) chmodSync(join(dir, f), 0o644);
  writeFileSync(join(dir, "pgbouncer.log"), "");
  chmodSync(join(dir, "pgbouncer.log"), 0o666);

  // PgBouncer refuses to run as root: as root it switches to the postgres user.
  const args = process.getuid?.() === 0 ? ["-u", "postgres", join(dir, "pgbouncer.ini")] : [join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(PGBOUNCER, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  child.once("error", (e) => (stderr += `${e.message}\n`));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const log = () => (existsSync(join(dir, "pgbouncer.log")) ? readFileSync(join(dir, "pgbouncer.log"), "utf8") : "") + stderr;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, () => child.exitCode !== null);
  } catch (e) {
    const text = log();
    await stop();
    throw new Error(`pgbouncer did not start: ${(e as Error).message}\n${text}`);
  }
  return {
    port,
    pid: child.pid ?? 0,
    via(url) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    log,
    stop,
  };
}

async function waitForPort(port: number, dead: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (dead()) throw new Error("it exited");
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("not listening after 10 s");
}
