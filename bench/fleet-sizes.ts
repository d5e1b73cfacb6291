/**
 * `npx tsx bench/fleet-sizes.ts [--banks 35000] [--reads 15]`: the fleet-wide free and total
 * lockers per size (`GET /fleet/availability/sizes`, a dashboard's figure) at fleet size, read
 * one at a time through lockerd-central's HTTP API from an instance answering from its
 * in-memory copy of the counts and from one with the copy off (every read the SQL over every
 * bank's counts), and the SQL alone. The fleet is the fleet-availability benchmark's (130
 * lockers a bank, about a third free). Both instances must give the same answer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fleetAvailability } from "../src/central/fleet/availability-reads.js";
import { createOperatorToken } from "../src/central/service/auth.js";
import { copyLoaded, loadFleet, startServer } from "./cases/fleet-availability.js";
import { startBenchCentral } from "./support/central.js";
import { nowMs, summarise } from "./support/stats.js";

const { values } = parseArgs({ options: { banks: { type: "string", default: "35000" }, reads: { type: "string", default: "15" } } });
const [banks, reads] = [Number(values.banks), Number(values.reads)];
if (!(Number.isInteger(banks) && banks >= 1 && Number.isInteger(reads) && reads >= 1)) {
  process.stderr.write("fleet-sizes: --banks and --reads must be whole numbers of at least 1\n");
  process.exit(2);
}
const log = (l: string) => process.stdout.write(l + "\n");
const central = await startBenchCentral("seed");
const dir = mkdtempSync(join(tmpdir(), "lockerd-fleet-sizes-"));
const admin = await central.admin();
const servers: Awaited<ReturnType<typeof startServer>>[] = [];
try {
  await loadFleet(admin, { banks, lockersPerBank: 130 }, log);
  const viewer = await createOperatorToken(admin, "bench-viewer", "viewer");
  const copy = await startServer(central.adminUrl, dir, "copy");
  servers.push(copy);
  await copyLoaded(copy.url, viewer);
  const sql = await startServer(central.adminUrl, dir, "sql", false);
  servers.push(sql);
  const timed = async (what: string, read: () => Promise<unknown>): Promise<unknown> => {
    let answer: unknown;
    for (let i = 0; i < 2; i++) answer = await read(); // warm up: connections, plans, JIT
    const times: number[] = [];
    for (let i = 0; i < reads; i++) {
      const t = nowMs();
      answer = await read();
      times.push(nowMs() - t);
    }
    const s = summarise(times);
    log(`  ${what}: median ${s.median.toFixed(2)} ms, max ${s.max.toFixed(2)} ms (${reads} reads, one at a time)`);
    return answer;
  };
  const get = (base: string) => async () => {
    const r = await fetch(`${base}/fleet/availability/sizes`, { headers: { Authorization: `Bearer ${viewer}` } });
    if (r.status !== 200) throw new Error(`GET /fleet/availability/sizes: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { sizes: unknown }).sizes;
  };
  const alone = await timed("SQL alone (fleetAvailability)", () => fleetAvailability(admin));
  const fromSql = await timed("HTTP, copy off (SQL)", get(sql.url));
  const fromCopy = await timed("HTTP, from the copy", get(copy.url));
  if (JSON.stringify(fromCopy) !== JSON.stringify(fromSql) || JSON.stringify(fromSql) !== JSON.stringify(alone)) {
    throw new Error(`the answers differ: copy ${JSON.stringify(fromCopy)}, SQL ${JSON.stringify(fromSql)}`);
  }
  log(`  same answer both ways: ${JSON.stringify(fromCopy)}`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  await admin.end();
  central.stop();
  rmSync(dir, { recursive: true, force: true });
}
