/**
 * vitest globalSetup: a PostgreSQL for the sync tests, found or started without anyone's help.
 * LOCKERD_TEST_PG_URL names an existing server (superuser URL); otherwise a private throwaway
 * cluster is created with the installed PostgreSQL binaries (initdb in a temp dir, a unix socket
 * in that dir and 127.0.0.1 on a free port), started, and removed again at teardown.
 * PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
 * A cluster is also stopped when its process exits or is signalled without calling stop(), and
 * one left by a process that died outright (SIGKILL) is reaped by the next start
 * (pg-cluster-owner.ts).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { CLUSTER_PREFIX, stopOnExit, sweepStaleClusters, writeOwner, type PgTools } from "./pg-cluster-owner.js";

/**
 * A central database as a Debian server makes one: a linguistic default collation (ICU en-US
 * here, as glibc's en_US.UTF-8 is not installed), not the test cluster's plain C. The schema
 * must work, and stay fast, whatever the database's locale.
 */
export const PRODUCTION_LIKE_LOCALE = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'";

export interface TestPostgres {
  /** Superuser URL of the server (database "postgres"). */
  adminUrl: string;
  /** Present when the cluster is ours: tests may stop and start it. */
  private: { dataDir: string; binDir: string; runAs: string | null } | null;
}

declare module "vitest" {
  export interface ProvidedContext {
    postgres: TestPostgres;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const external = process.env.LOCKERD_TEST_PG_URL;
  if (external) {
    project.provide("postgres", { adminUrl: external, private: null });
    return () => {};
  }
  const cluster = await startPrivateCluster();
  project.provide("postgres", { adminUrl: cluster.adminUrl, private: { dataDir: cluster.dataDir, binDir: cluster.binDir, runAs: cluster.runAs } });
  return () => cluster.stop();
}

export function findBinDir(): string {
  const candidates = [process.env.LOCKERD_TEST_PG_BIN, ...listVersions().map((v) => `/usr/lib/postgresql/${v}/bin`), "/usr/local/pgsql/bin"];
  for (const c of candidates) if (c && existsSync(join(c, "initdb")) && existsSync(join(c, "pg_ctl"))) return c;
  throw new Error(
    "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin); install postgresql-15 (Debian) or set LOCKERD_TEST_PG_URL to a server's superuser URL",
  );
}

function listVersions(): string[] {
  try {
    return readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  } catch {
    return [];
  }
}

/** A free TCP port on 127.0.0.1 (for the test cluster, and the pooler in front of it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Run a PostgreSQL binary, as the postgres user when we are root. */
export function runPg(binDir: string, runAs: string | null, tool: string, args: string[]): string {
  const cmd = join(binDir, tool);
  return runAs ? execFileSync("runuser", ["-u", runAs, "--", cmd, ...args], { encoding: "utf8" }) : execFileSync(cmd, args, { encoding: "utf8" });
}

export interface ClusterOptions {
  /** Where the cluster's directory goes (and where leftover ones are swept): the temp dir unless given. */
  parent?: string;
}

export async function startPrivateCluster(opts: ClusterOptions = {}) {
  const binDir = findBinDir();
  const runAs = process.getuid?.() === 0 ? "postgres" : null;
  const parent = opts.parent ?? tmpdir();
  const tools: PgTools = { binDir, runAs, run: (tool, args) => runPg(binDir, runAs, tool, args) };
  sweepStaleClusters(parent, tools, (line) => process.stderr.write(`postgres-setup: ${line}\n`));
  const root = mkdtempSync(join(parent, CLUSTER_PREFIX));
  writeOwner(root);
  const dataDir = join(root, "data");
  const socketDir = join(root, "sock");
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unhook();
    try {
      runPg(binDir, runAs, "pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w", "-s"]);
    } catch {
      // already stopped (a test may have stopped it), or never started; removal is what matters
    }
    rmSync(root, { recursive: true, force: true });
  };
  // Hooked before anything starts: an exit or a signal while it starts still cleans up.
  const unhook = stopOnExit(stop);
  const setUp = async (): Promise<number> => {
    if (runAs) {
      const uid = Number(execFileSync("id", ["-u", runAs], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", runAs], { encoding: "utf8" }).trim());
      chownSync(root, uid, gid);
    }
    chmodSync(root, 0o755);
    runPg(binDir, runAs, "initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]);
    if (runAs) execFileSync("runuser", ["-u", runAs, "--", "mkdir", "-p", socketDir]);
    else execFileSync("mkdir", ["-p", socketDir]);
    const port = await freePort();
    // Superuser "postgres" may connect without a password from this machine; bank roles created
    // by the tests must use their passwords over TCP, as a real bank does.
    const hba = [
      "local all all trust",
      "host all postgres 127.0.0.1/32 trust",
      "host all all 127.0.0.1/32 scram-sha-256",
    ].join("\n");
    writeFileSync(join(dataDir, "pg_hba.conf"), hba + "\n");
    const conf = [
      `listen_addresses = '127.0.0.1'`,
      `port = ${port}`,
      `unix_socket_directories = '${socketDir}'`,
      `fsync = off`,
      `synchronous_commit = off`,
      `full_page_writes = off`,
      `max_connections = 200`,
      `shared_buffers = 64MB`,
      `max_locks_per_transaction = 256`,
      `log_min_messages = warning`,
    ].join("\n");
    writeFileSync(join(dataDir, "postgresql.auto.conf"), conf + "\n");
    if (runAs) execFileSync("chown", ["-R", `${runAs}:`, dataDir]);
    runPg(binDir, runAs, "pg_ctl", ["start", "-D", dataDir, "-w", "-s", "-l", join(root, "server.log")]);
    return port;
  };
  let port: number;
  try {
    port = await setUp();
  } catch (e) {
    stop();
    throw e;
  }
  const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    dataDir,
    binDir,
    runAs,
    /** Stop the server, keep its files (a fault test starts it again). */
    halt() {
      runPg(binDir, runAs, "pg_ctl", ["stop", "-D", dataDir, "-m", "fast", "-w", "-s"]);
    },
    resume() {
      runPg(binDir, runAs, "pg_ctl", ["start", "-D", dataDir, "-w", "-s", "-l", join(root, "server.log")]);
    },
    /** Stop the server and remove its files (also done on exit, SIGINT, SIGTERM and SIGHUP). */
    stop,
  };
}
