/**
 * `npx tsx bench/notify-cost.ts [--banks 40] [--events 500] [--chunk 25]`: what central
 * migration 8's notifications (count_lockers' pg_notify, one per bank per commit after
 * PostgreSQL folds duplicates) cost ingest. A private PostgreSQL (fsync on), one connection
 * LISTENing as a lockerd-central instance would; each bank sends its lockers' snapshot and
 * `events` events in batches of `chunk` (deliveries through 60 lockers, each event changing a
 * locker's status: the most count changes a batch can carry). Alternates
 * count_lockers with and without the notification (eight rounds, ABAB...) and prints the time a
 * batch takes, with its commit, both ways.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { migrateCentral } from "../src/central/apply.js";
import { FLEET_VIEWS_SQL } from "../src/central/migrations/004-fleet-views.js";
import { FREE_COUNT_CHANNEL, FREE_COUNT_NOTIFY_SQL } from "../src/central/migrations/008-free-count-notify.js";
import { PRODUCTION_LIKE_LOCALE, startPrivateCluster } from "../test/support/postgres-setup.js";

const { values } = parseArgs({ options: { banks: { type: "string", default: "40" }, events: { type: "string", default: "500" }, chunk: { type: "string", default: "25" } } });
const [banks, events, chunk] = [Number(values.banks), Number(values.events), Number(values.chunk)];
if (![banks / 4, events, chunk].every((x) => Number.isInteger(x) && x >= 1)) {
  process.stderr.write("notify-cost: --banks must be a multiple of 4, --events and --chunk whole numbers of at least 1\n");
  process.exit(2);
}
const WITH = FREE_COUNT_NOTIFY_SQL;
// without: migration 4's own body, as before migration 8
const m4 = /CREATE FUNCTION central\.count_lockers\(\)[\s\S]*?END \$fn\$;/.exec(FLEET_VIEWS_SQL);
if (!m4) throw new Error("migration 4's count_lockers not found");
const WITHOUT = m4[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION");

const cluster = await startPrivateCluster();
try {
  const server = new pg.Client({ connectionString: cluster.adminUrl });
  await server.connect();
  for (const q of ["fsync = on", "synchronous_commit = on", "full_page_writes = on"]) await server.query(`ALTER SYSTEM SET ${q}`);
  await server.query("SELECT pg_reload_conf()");
  await server.query(`CREATE DATABASE lockerd_central ${PRODUCTION_LIKE_LOCALE}`);
  await server.end();
  const url = new URL(cluster.adminUrl);
  url.pathname = "/lockerd_central";
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  await migrateCentral(c);
  const listener = new pg.Client({ connectionString: url.toString() });
  await listener.connect();
  let heard = 0;
  listener.on("notification", () => heard++);
  await listener.query(`LISTEN ${FREE_COUNT_CHANNEL}`);

  // a bank of 60 lockers: its snapshot, then deliveries that move every locker through
  // RESERVED, OCCUPIED and back to AVAILABLE, so each event of a batch changes a locker's count
  const lockers = Array.from({ length: 60 }, (_, i) => ({ id: `L${String(i).padStart(2, "0")}`, size: ["S", "M", "L"][i % 3]!, status: "AVAILABLE" }));
  const t0 = Date.now() - 86_400_000;
  const ordered: unknown[][] = [[1, t0, true, "lockers.snapshot", null, null, { lockers }]];
  for (let k = 0; ordered.length < events + 1; k++) {
    const l = lockers[k % lockers.length]!;
    const round = Math.floor(k / (lockers.length * 3));
    const phase = Math.floor(k / lockers.length) % 3;
    const parcel = `p_${String(round * 100 + (k % lockers.length)).padStart(20, "0")}`;
    const seq = ordered.length + 1;
    if (phase === 0) ordered.push([seq, t0 + seq, true, "parcel.assigned", l.id, parcel, { size: l.size, lockerSize: l.size, trackingRef: `T${seq}`, expiresAt: t0 + 3 * 86_400_000 }]);
    else if (phase === 1) ordered.push([seq, t0 + seq, true, "parcel.stored", l.id, parcel, {}]);
    else ordered.push([seq, t0 + seq, true, "locker.released", l.id, parcel, {}]);
  }
  const batches: string[] = [];
  for (let i = 0; i < ordered.length; i += chunk) batches.push(JSON.stringify(ordered.slice(i, i + chunk)));

  const ids = Array.from({ length: banks * 2 + 2 }, (_, i) => `N${i}`);
  await c.query(`INSERT INTO central.banks (id, key_sha256, key_set_at) SELECT unnest($1::text[]), decode(repeat('00', 32), 'hex'), now()`, [ids]);
  const INGEST = `SELECT central.ingest_as($1, $2::jsonb)`;
  let next = 0;
  const bank = async (): Promise<number> => {
    const id = ids[next++]!;
    const t = performance.now();
    for (const b of batches) await c.query(INGEST, [id, b]);
    return performance.now() - t;
  };
  // warm up both ways
  await c.query(WITH);
  await bank();
  await c.query(WITHOUT);
  await bank();
  const ms = { with: 0, without: 0 };
  const heardBefore = heard;
  for (let round = 0; round < 8; round++) {
    const way = round % 2 === 0 ? "with" : "without";
    await c.query(way === "with" ? WITH : WITHOUT);
    for (let i = 0; i < banks / 4; i++) ms[way] += await bank();
  }
  await new Promise((r) => setTimeout(r, 200));
  const n = banks * batches.length;
  const per = (x: number) => `${(x / n).toFixed(3)} ms a batch (${Math.round((n * chunk) / (x / 1000))} events/s)`;
  console.log(`batches of ${chunk} events (${batches.length} a bank, ${ordered.length} events), ${banks} banks each way, fsync on`);
  console.log(`  count_lockers with pg_notify:    ${per(ms.with)}`);
  console.log(`  count_lockers without pg_notify: ${per(ms.without)}`);
  console.log(`  difference: ${(((ms.with - ms.without) / ms.without) * 100).toFixed(1)} %; notifications heard: ${heard - heardBefore} (batches with notify: ${n})`);
  await listener.end();
  await c.end();
} finally {
  cluster.stop();
}
