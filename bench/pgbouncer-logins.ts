/**
 * `npx tsx bench/pgbouncer-logins.ts [--seconds 5] [--clients 50]`: how many logins a second one
 * PgBouncer takes for the shared ingest role, and what each costs PgBouncer and PostgreSQL, for
 * each way PgBouncer can know the role's SCRAM secret: looked up per login (auth_query, as
 * docs/pgbouncer has it) or read from its auth_file; and with the secret's PBKDF2 iterations at
 * PostgreSQL's 4096 and at 16 (the client side of SCRAM: a real bank pays it on its own CPU).
 * Each client loops: connect, SELECT 1, disconnect. Fsync on, private cluster, loopback.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { scramVerifier } from "../src/central/scram.js";
import { startPgBouncer } from "../test/support/pgbouncer.js";
import { startBenchCentral } from "./support/central.js";
import { clusterCpuMs, postmasterPid, processCpuMs } from "./support/proc-cpu.js";
import { asTestDatabase } from "./fleet/storm.js";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "5" }, clients: { type: "string", default: "50" } } });
const seconds = Number(values.seconds);
const clients = Number(values.clients);
if (!(seconds > 0) || !Number.isInteger(clients) || clients < 1) {
  process.stderr.write("pgbouncer-logins: --seconds must be above 0 and --clients a whole number of at least 1\n");
  process.exit(2);
}

const central = await startBenchCentral("login-bench");
const admin = await central.admin();
const pm = await postmasterPid(admin);
const { role, password, database } = central.bank;
const rows: Record<string, unknown>[] = [];
try {
  for (const iterations of [4096, 16]) {
    const verifier = scramVerifier(password, iterations);
    await admin.query(`ALTER ROLE ${role} PASSWORD ${admin.escapeLiteral(verifier)}`);
    for (const auth of ["auth_query", "auth_file"] as const) {
      const bouncer = await startPgBouncer(asTestDatabase(central, admin), {
        poolSize: 4,
        maxServerConnections: 6,
        extra: { max_client_conn: clients + 100 },
        ...(auth === "auth_file" ? { users: { [role]: verifier } } : {}),
      });
      try {
        const conn = { host: "127.0.0.1", port: bouncer.port, user: role, password, database };
        const cpu0 = { bouncer: processCpuMs(bouncer.pid), pg: clusterCpuMs(pm), self: process.cpuUsage() };
        const t0 = performance.now();
        let logins = 0;
        let failures = 0;
        await Promise.all(
          Array.from({ length: clients }, async () => {
            while (performance.now() - t0 < seconds * 1000) {
              const c = new pg.Client(conn);
              try {
                await c.connect();
                await c.query("SELECT 1");
                logins++;
              } catch {
                failures++;
              } finally {
                await c.end().catch(() => {});
              }
            }
          }),
        );
        const s = (performance.now() - t0) / 1000;
        const self = process.cpuUsage(cpu0.self);
        const per = (ms: number) => Math.round((ms * 1000) / Math.max(1, logins));
        rows.push({
          iterations,
          auth,
          loginsPerS: Math.round(logins / s),
          failures,
          pgbouncerCpuUsPerLogin: per(processCpuMs(bouncer.pid) - cpu0.bouncer),
          postgresCpuUsPerLogin: per(clusterCpuMs(pm) - cpu0.pg),
          clientCpuUsPerLogin: per((self.user + self.system) / 1000),
        });
        process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
      } finally {
        await bouncer.stop();
      }
    }
  }
} finally {
  await admin.end();
  central.stop();
}
process.stdout.write(`${JSON.stringify({ seconds, clients, rows }, null, 2)}\n`);
