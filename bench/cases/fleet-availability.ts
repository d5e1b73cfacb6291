/**
 * Fleet availability at the size of the largest real network: 35,000 banks of 130 lockers
 * (4.55 million lockers) in the central schema, and "which of these 20 banks has a free M now"
 * read through lockerd-central's HTTP API (carrier token, role check and all) at a rising
 * request rate, open loop: requests leave on a fixed schedule whether or not earlier ones have
 * answered, and a request's latency counts from when it was due (no coordinated omission).
 * The question the figures answer: does PostgreSQL (the count table kept by triggers) hold
 * p99 under 20 ms at 2,000 reads/s, or does the original design's cache earn its place? The
 * instances answer from their in-memory copy of the free counts (fleet.availabilityCopy, fed by
 * LISTEN/NOTIFY); a run of two instances with the copy off keeps the SQL path measured beside it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { banksWithFree, fleetAvailability as fleetAvailabilityTotals } from "../../src/central/fleet/availability-reads.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { startBenchCentral } from "../support/central.js";
import type { Benchmark, BenchResult } from "../support/result.js";
import { nowMs, summarise } from "../support/stats.js";
import { round } from "./allocation.js";

export interface FleetShape {
  banks: number;
  lockersPerBank: number;
}

export const FULL_FLEET: FleetShape = { banks: 35_000, lockersPerBank: 130 };

/**
 * Banks and lockers straight into the central tables (what years of ingest would have left),
 * sizes about 40 % S, 35 % M, 25 % L and a busy network's statuses (about a third free). The
 * count triggers are off for the bulk load and the counts built once after, as migration 4
 * does for lockers already held.
 */
export async function loadFleet(admin: pg.Client, shape: FleetShape, log: (l: string) => void): Promise<void> {
  const t0 = nowMs();
  await admin.query(`INSERT INTO central.banks (id, role_name, last_seq, last_sync_at)
    SELECT 'B' || lpad(i::text, 6, '0'), 'lockerd_bank_b' || i, 1000, now() FROM generate_series(1, $1) i`, [shape.banks]);
  await admin.query("ALTER TABLE central.lockers DISABLE TRIGGER USER");
  // in slices, so one statement never holds millions of rows in memory
  const slice = 5000;
  for (let first = 1; first <= shape.banks; first += slice) {
    await admin.query(
      `INSERT INTO central.lockers (bank_id, locker_id, size, status, status_seq)
       SELECT 'B' || lpad(b::text, 6, '0'), chr(65 + (l / 10)) || lpad((l % 10 + 1)::text, 2, '0'),
              CASE WHEN l < $3 * 0.40 THEN 'S' WHEN l < $3 * 0.75 THEN 'M' ELSE 'L' END,
              CASE WHEN r < 0.33 THEN 'AVAILABLE' WHEN r < 0.43 THEN 'RESERVED' WHEN r < 0.96 THEN 'OCCUPIED' ELSE 'OUT_OF_SERVICE' END, 1
       FROM generate_series($1::int, $2::int) b, generate_series(0, $3 - 1) l, LATERAL (SELECT random() + 0 * b + 0 * l AS r) x`,
      [first, Math.min(shape.banks, first + slice - 1), shape.lockersPerBank],
    );
  }
  await admin.query("ALTER TABLE central.lockers ENABLE TRIGGER USER");
  await admin.query("TRUNCATE central.locker_counts");
  await admin.query(`INSERT INTO central.locker_counts (bank_id, size, status, n)
    SELECT bank_id, COALESCE(size, ''), status, count(*) FROM central.lockers GROUP BY 1, 2, 3`);
  await admin.query("VACUUM ANALYZE central.lockers");
  await admin.query("VACUUM ANALYZE central.locker_counts");
  await admin.query("VACUUM ANALYZE central.banks");
  const n = await admin.query<{ n: string }>("SELECT count(*) AS n FROM central.lockers");
  log(`  fleet loaded: ${shape.banks} banks, ${n.rows[0]!.n} lockers in ${((nowMs() - t0) / 1000).toFixed(0)} s`);
}

interface Server {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * lockerd-central (fleet module) as its own process; `copy`: availability from its in-memory
 * copy (the default) or from SQL. LOCKERD_BENCH_CPU_PROF=DIR writes each server's CPU profile there.
 */
export async function startServer(dbUrl: string, dir: string, name: string, copy = true): Promise<Server> {
  const cfg = join(dir, `central-${name}.json`);
  const fleet = { availabilityCopy: { enabled: copy } };
  writeFileSync(cfg, JSON.stringify({ instance: `bench-${name}`, database: { url: dbUrl, poolSize: 16 }, http: { port: 0 }, log: { level: "warn" }, fleet }));
  const prof = process.env.LOCKERD_BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.LOCKERD_BENCH_CPU_PROF] : [];
  const proc = spawn(process.execPath, [...prof, "--import", "tsx", join(PACKAGE_ROOT, "bench/support/fleet-server.ts"), cfg], {
    cwd: PACKAGE_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the fleet server did not start in 60 s")), 60_000);
    proc.once("exit", (code) => reject(new Error(`the fleet server exited (${code})`)));
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      try {
        const j = JSON.parse(line) as { url?: string; level?: number };
        if (j.url && j.level === undefined) {
          clearTimeout(timer);
          resolve(j.url);
        }
      } catch {
        // a log line
      }
    });
  });
  return {
    url,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

export interface RateResult {
  targetPerS: number;
  achievedPerS: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  /** Requests never sent: more than maxInFlight were waiting (the server fell behind). */
  dropped: number;
}

/**
 * Open-loop load: `rate` calls per second for `seconds` of `send` (true when answered well), at
 * most `maxInFlight` outstanding. Latency counts from the moment each call was due.
 */
export async function runAtRate(send: () => Promise<boolean>, rate: number, seconds: number, maxInFlight = 512): Promise<RateResult> {
  const latencies: number[] = [];
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  const total = Math.max(1, Math.round(rate * seconds));
  const t0 = nowMs();
  let done = 0;
  await new Promise<void>((resolve) => {
    const finish = () => {
      if (++done === total) resolve();
    };
    const fire = (due: number) => {
      if (inFlight >= maxInFlight) {
        dropped++;
        finish();
        return;
      }
      inFlight++;
      send().then(
        (ok) => {
          inFlight--;
          if (ok) latencies.push(nowMs() - due);
          else errors++;
          finish();
        },
        () => {
          inFlight--;
          errors++;
          finish();
        },
      );
    };
    // a timer tick sends every call that has come due since the last one
    let sent = 0;
    const tick = () => {
      const now = nowMs();
      while (sent < total && t0 + (sent * 1000) / rate <= now) fire(t0 + (sent++ * 1000) / rate);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsed = (nowMs() - t0) / 1000;
  const s = latencies.length ? summarise(latencies) : { median: NaN, p99: NaN, max: NaN };
  return { targetPerS: rate, achievedPerS: latencies.length / elapsed, p50: s.median, p99: s.p99, max: s.max, errors, dropped };
}

/** A metric's value in an instance's /metrics (NaN when absent). */
async function metricOf(base: string, viewerToken: string, name: string): Promise<number> {
  const res = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${viewerToken}` } });
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(await res.text());
  return m ? (m[1] === "+Inf" ? Infinity : Number(m[1])) : NaN;
}

/** Waits (up to 5 minutes) until the instance's availability copy is loaded; returns how long that took from now. */
export async function copyLoaded(base: string, viewerToken: string): Promise<number> {
  const t = nowMs();
  while (!((await metricOf(base, viewerToken, "lockerd_central_availability_copy_reloads_total")) >= 1)) {
    if (nowMs() - t > 300_000) throw new Error(`the availability copy of ${base} did not load in 5 minutes`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return nowMs() - t;
}

/** A GET with a bearer token over a keep-alive agent; true on 200. */
function httpGetter(base: string, token: string, agent: Agent): (path: string) => Promise<boolean> {
  const u = new URL(base);
  return (path) =>
    new Promise<boolean>((resolve) => {
      const req = request({ host: u.hostname, port: u.port, path, agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200));
      });
      req.on("error", () => resolve(false));
      req.end();
    });
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // after the command name (which may hold spaces): state is field 3, utime 14, stime 15
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU used by a set of processes between two readings (those gone by the second count as before). */
function cpuMeter(pids: () => Promise<number[]>): () => Promise<() => Promise<number>> {
  return async () => {
    const before = new Map((await pids()).map((p) => [p, cpuSeconds(p)]));
    return async () => {
      let used = 0;
      for (const p of new Set([...before.keys(), ...(await pids())])) {
        const now = cpuSeconds(p);
        used += now > 0 ? now - (before.get(p) ?? 0) : 0;
      }
      return used;
    };
  };
}

export const fleetAvailability: Benchmark = async ({ quick, log }) => {
  const shape: FleetShape = quick ? { banks: 300, lockersPerBank: 130 } : FULL_FLEET;
  const rates = quick ? [50, 100] : [250, 500, 1000, 2000, 3000];
  const seconds = quick ? 1 : 8;
  const central = await startBenchCentral("seed");
  const dir = mkdtempSync(join(tmpdir(), "lockerd-fleet-bench-"));
  let servers: Server[] = [];
  const admin = await central.admin();
  const sqlPool = new pg.Pool({ connectionString: central.adminUrl, max: 8 });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const results: BenchResult[] = [];
  try {
    await loadFleet(admin, shape, log);
    const token = await createOperatorToken(admin, "bench-carrier", "carrier");
    const viewerToken = await createOperatorToken(admin, "bench-viewer", "viewer");
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const someBanks = (n: number) => Array.from({ length: n }, () => "B" + String(1 + Math.floor(rand() * shape.banks)).padStart(6, "0"));

    // the fleet-wide totals (a dashboard's figure, not a carrier's question): a few reads, timed
    const totals: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = nowMs();
      await fleetAvailabilityTotals(admin);
      totals.push(nowMs() - t);
    }
    log(`  fleet-wide free lockers per size (all ${shape.banks} banks' counts): ${summarise(totals).median.toFixed(0)} ms a read`);
    results.push({ name: "fleet.fleet_wide_totals_ms", value: round(summarise(totals).median, 1), unit: "ms", banks: shape.banks });
    const plan = await admin.query<{ "QUERY PLAN": string }>(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT bank_id, sum(n)::int AS free FROM central.locker_counts
       WHERE bank_id = ANY($1::text[]) AND size = ANY($2::text[]) AND status = 'AVAILABLE' AND n > 0 GROUP BY bank_id ORDER BY bank_id LIMIT 100`,
      [someBanks(20), ["M"]],
    );
    log(`  plan: ${plan.rows.map((r) => r["QUERY PLAN"].trim()).filter((l) => /Index|Execution/.test(l)).join(" | ")}`);

    const backends = async () =>
      (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
    const pgCpu = cpuMeter(backends);

    // 1. PostgreSQL alone: the query the API sends, from a pool of 8 connections
    for (const rate of rates) {
      const stop = await pgCpu();
      const r = await runAtRate(async () => (await banksWithFree(sqlPool, { sizes: ["M"], bankIds: someBanks(20), limit: 100 }), true), rate, seconds);
      const cpu = await stop();
      log(`  SQL alone, ${rate}/s asked: ${r.achievedPerS.toFixed(0)}/s answered, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(1)} ms; PostgreSQL CPU ${((cpu * 1000) / Math.max(1, r.achievedPerS * seconds)).toFixed(3)} ms a read`);
      results.push({ name: `fleet.sql_availability_p50_ms.rate_${rate}`, value: round(r.p50, 2), unit: "ms", achievedPerS: round(r.achievedPerS, 0), dropped: r.dropped });
      results.push({ name: `fleet.sql_availability_p99_ms.rate_${rate}`, value: round(r.p99, 2), unit: "ms", achievedPerS: round(r.achievedPerS, 0), dropped: r.dropped });
    }

    // 2. Through the HTTP API (carrier token checked, parameters validated, problem+json ready):
    // one lockerd-central process, then two (instances on one database), the load generator
    // taking turns between them as a load balancer would; each answers from its in-memory copy
    // of the free counts. Then two instances with the copy off (every read a query), as before it.
    const t = nowMs();
    servers = [await startServer(central.adminUrl, dir, "a")];
    const startMs = nowMs() - t;
    const loadMs = await copyLoaded(servers[0]!.url, viewerToken);
    log(`  instance a: listening after ${startMs.toFixed(0)} ms, its copy of ${shape.banks} banks' counts loaded ${loadMs.toFixed(0)} ms later`);
    results.push({ name: "fleet.copy_load_ms", value: round(Math.max(1, loadMs), 0), unit: "ms", banks: shape.banks });
    const setups: { instances: number; copy: boolean }[] = quick ? [{ instances: 1, copy: true }] : [{ instances: 1, copy: true }, { instances: 2, copy: true }, { instances: 2, copy: false }];
    for (const { instances, copy } of setups) {
      if (copy && servers.length < instances) {
        servers.push(await startServer(central.adminUrl, dir, "b"));
        await copyLoaded(servers[1]!.url, viewerToken);
      }
      if (!copy) servers.push(await startServer(central.adminUrl, dir, "sql-a", false), await startServer(central.adminUrl, dir, "sql-b", false));
      // the copy's instances, or the two with the copy off (the others idle meanwhile)
      const active = copy ? servers.slice(0, instances) : servers.slice(-2);
      const pids = active.map((s) => s.proc.pid!);
      const serverCpu = cpuMeter(() => Promise.resolve(pids));
      const getters = active.map((s) => httpGetter(s.url, token, agent));
      let turn = 0;
      const twentyBanks = () => getters[turn++ % getters.length]!(`/fleet/availability?size=M&banks=${someBanks(20).join(",")}`);
      await runAtRate(twentyBanks, quick ? 50 : 200, quick ? 0.5 : 3); // warm up: connections, JIT, plans
      const fallbacksBefore = copy ? await Promise.all(active.map((s) => metricOf(s.url, viewerToken, "lockerd_central_availability_copy_fallbacks_total"))) : [];
      for (const rate of copy ? rates : rates.filter((r) => r >= 1000 && r <= 2000)) {
        const [stopServer, stopPg] = [await serverCpu(), await pgCpu()];
        const self = process.cpuUsage();
        const r = await runAtRate(twentyBanks, rate, seconds);
        const answered = Math.max(1, r.achievedPerS * seconds);
        const serverMs = ((await stopServer()) * 1000) / answered;
        const pgMs = ((await stopPg()) * 1000) / answered;
        const u = process.cpuUsage(self);
        const clientMs = (u.user + u.system) / 1000 / answered;
        const what = `${instances} instance${instances > 1 ? "s" : ""}${copy ? ", copy" : ", SQL (copy off)"}`;
        log(
          `  HTTP (${what}), ${rate}/s asked: ${r.achievedPerS.toFixed(0)}/s answered, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms` +
            (r.errors || r.dropped ? `, ${r.errors} errors, ${r.dropped} not sent` : "") +
            `; CPU a read: server ${serverMs.toFixed(2)} ms, PostgreSQL ${pgMs.toFixed(2)} ms, load generator ${clientMs.toFixed(2)} ms`,
        );
        const tag = (instances === 1 ? "" : `.instances_${instances}`) + (copy ? "" : ".sql");
        const common = { instances, copy, targetPerS: rate, achievedPerS: round(r.achievedPerS, 0), seconds, banks: shape.banks, lockers: shape.banks * shape.lockersPerBank, errors: r.errors, dropped: r.dropped };
        results.push({ name: `fleet.availability_p50_ms${tag}.rate_${rate}`, value: round(r.p50, 2), unit: "ms", ...common });
        results.push({ name: `fleet.availability_p99_ms${tag}.rate_${rate}`, value: round(r.p99, 2), unit: "ms", ...common, ...(rate === 2000 ? { target: "< 20 ms" } : {}) });
        results.push({ name: `fleet.cpu_ms_per_read${tag}.rate_${rate}`, value: round(serverMs + pgMs, 3), unit: "ms", server: round(serverMs, 3), postgres: round(pgMs, 3), loadGenerator: round(clientMs, 3) });
      }
      if (copy) {
        // reads PostgreSQL answered because a copy was not fresh (0: every read above was the copy's)
        const after = await Promise.all(active.map((s) => metricOf(s.url, viewerToken, "lockerd_central_availability_copy_fallbacks_total")));
        const fellBack = after.reduce((a, x, i) => a + x - fallbacksBefore[i]!, 0);
        log(`  reads answered by PostgreSQL instead of the copy (${instances} instance${instances > 1 ? "s" : ""}): ${fellBack}`);
      }
    }
    // how late the copy is: a locker taken at a bank (committed), then the API read until it shows
    const lags: number[] = [];
    const freeM = async (bankId: string) =>
      ((await (await fetch(`${servers[0]!.url}/fleet/banks/${bankId}/availability`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { free: Record<string, number> }).free.M ?? 0;
    for (let i = 0; i < 40 && lags.length < 20; i++) {
      const bankId = someBanks(1)[0]!;
      const before = await freeM(bankId);
      if (before === 0) continue;
      await admin.query(
        `UPDATE central.lockers SET status = 'OCCUPIED' WHERE (bank_id, locker_id) =
           (SELECT bank_id, locker_id FROM central.lockers WHERE bank_id = $1 AND size = 'M' AND status = 'AVAILABLE' LIMIT 1)`,
        [bankId],
      );
      const committed = nowMs();
      while ((await freeM(bankId)) !== before - 1) if (nowMs() - committed > 5000) throw new Error(`the copy did not show ${bankId}'s change in 5 s`);
      lags.push(nowMs() - committed);
    }
    const lag = summarise(lags);
    log(`  a commit shows in the copy (read through the API) after ${lag.median.toFixed(1)} ms (median of ${lags.length}), at most ${lag.max.toFixed(1)} ms`);
    results.push({ name: "fleet.copy_lag_ms", value: round(Math.max(0.01, lag.median), 2), unit: "ms", max: round(lag.max, 2), samples: lags.length });
    const get = httpGetter(servers[0]!.url, token, agent);
    // one bank's free lockers per size
    const oneRate = quick ? 100 : 1000;
    const one = await runAtRate(() => get(`/fleet/banks/${someBanks(1)[0]}/availability`), oneRate, seconds);
    log(`  HTTP, one bank's availability at ${oneRate}/s asked: ${one.achievedPerS.toFixed(0)}/s answered, p50 ${one.p50.toFixed(1)} ms, p99 ${one.p99.toFixed(1)} ms`);
    results.push({ name: "fleet.bank_availability_p99_ms", value: round(one.p99, 2), unit: "ms", targetPerS: oneRate, achievedPerS: round(one.achievedPerS, 0), p50: round(one.p50, 2) });
    // what the fleet page asks every few seconds, at this fleet's size (a viewer token), one at a time
    const viewer = httpGetter(servers[0]!.url, viewerToken, agent);
    await admin.query(`INSERT INTO central.alarms (bank_id, kind, locker_id, raised_seq, raised_at, last_seq, last_at)
      SELECT 'B' || lpad((i * 97)::text, 6, '0'), 'door_forced', 'A01', 1, now(), 1, now() FROM generate_series(1, $1) i`, [Math.floor(shape.banks / 200)]);
    for (const [name, path] of [
      ["summary", "/fleet/summary"],
      ["banks_page", "/fleet/banks?limit=200"],
      ["banks_attention", "/fleet/banks?only=attention&limit=200"],
      ["alarms", "/fleet/alarms?limit=100"],
      ["one_bank", "/fleet/banks/B000097"],
      ["sizes", "/fleet/availability/sizes"],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = nowMs();
        if (!(await viewer(path))) throw new Error(`GET ${path} failed`);
        times.push(nowMs() - t);
      }
      const m = summarise(times).median;
      log(`  page request ${path}: ${m.toFixed(0)} ms (median of 5)`);
      results.push({ name: `fleet.page_request_ms.${name}`, value: round(m, 1), unit: "ms", path, banks: shape.banks });
    }
    return results;
  } finally {
    agent.destroy();
    await Promise.all(servers.map((s) => s.stop()));
    await sqlPool.end();
    await admin.end();
    central.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
