/**
 * The projector's loop on one lockerd-central instance: project landed batches until none is
 * waiting, then sleep until a bank lands one (NOTIFY central_landed, sent when nothing was
 * waiting) or the poll comes round (a wake-up may be missed: a NOTIFY is sent only when the
 * landing table looked empty). Several loops and instances may run: each call takes a bank no
 * other holds.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import pg from "pg";
import type { Logger } from "../../system/logger.js";
import { lostRace, projectionBacklog, projectOnce } from "./project.js";

/** Calls in a row that lost a race before the loop sleeps a poll anyway (bounds a spin). */
const MAX_RACES_IN_A_ROW = 16;

export interface ProjectorSettings {
  enabled: boolean;
  /** Loops in this instance (each its own connection while it works). */
  workers: number;
  /** Batches of one bank per call (one transaction). */
  batchesPerCall: number;
  /** How often an idle loop looks without being woken. */
  pollMs: number;
  /** Loops beyond the first start once no bank has landed a batch for this long (ms). */
  quietAfterMs: number;
}

export interface ProjectorDeps {
  pool: pg.Pool;
  /** A connection of its own to LISTEN on (null: poll only). */
  listenConfig: pg.ClientConfig | null;
  log: Logger;
  metrics: Registry;
  settings: ProjectorSettings;
}

export interface Projector {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createProjector(d: ProjectorDeps): Projector {
  const { pool, log, settings: s } = d;
  const projected = new Counter({ name: "lockerd_central_projected_events_total", help: "Landed events projected by this instance", registers: [d.metrics] });
  const failures = new Counter({ name: "lockerd_central_projection_failures_total", help: "Projector calls that failed (retried)", registers: [d.metrics] });
  const backlog = new Gauge({
    name: "lockerd_central_projection_backlog",
    help: "Landed and not yet projected (all instances): batches, events, banks, failing batches, oldest_seconds",
    labelNames: ["what"],
    registers: [d.metrics],
    async collect() {
      const b = await projectionBacklog(pool);
      this.set({ what: "batches" }, b.batches);
      this.set({ what: "events" }, b.events);
      this.set({ what: "banks" }, b.banks);
      this.set({ what: "failing" }, b.failing);
      this.set({ what: "oldest_seconds" }, b.oldestLandedAt ? Math.max(0, (Date.now() - b.oldestLandedAt.getTime()) / 1000) : 0);
    },
  });
  void backlog;

  let stopped = false;
  let listener: pg.Client | null = null;
  const sleepers = new Set<() => void>();
  const wakeAll = () => {
    for (const w of [...sleepers]) w();
  };
  const sleep = (ms: number) =>
    new Promise<void>((done) => {
      const wake = () => {
        clearTimeout(t);
        sleepers.delete(wake);
        done();
      };
      const t = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  // Loops beyond the first wait while banks are landing: PostgreSQL cannot put the projector's
  // work behind the banks', so during a storm one loop projects and the other cores land.
  async function banksLanding(): Promise<boolean> {
    const r = await pool.query<{ busy: boolean }>(
      `SELECT COALESCE((SELECT l.landed_at FROM central.landed_batches l ORDER BY l.id DESC LIMIT 1) > now() - $1 * interval '1 millisecond', false) AS busy`,
      [s.quietAfterMs],
    );
    return r.rows[0]!.busy;
  }

  async function loop(n: number): Promise<void> {
    let races = 0;
    while (!stopped) {
      let worked = false;
      try {
        if (n > 0 && (await banksLanding())) {
          await sleep(s.pollMs);
          continue;
        }
        const p = await projectOnce(pool, s.batchesPerCall);
        if (p.batches > 0) {
          projected.inc(p.events);
          worked = true;
          races = 0;
        } else if (lostRace(p) && races < MAX_RACES_IN_A_ROW) {
          // another loop had just projected the bank this call took: do not sleep a poll on it
          races++;
          worked = true;
        }
      } catch (e) {
        failures.inc();
        log.warn({ err: e, loop: n }, "projecting landed batches failed; trying again at the next poll");
      }
      if (!worked && !stopped) await sleep(s.pollMs);
    }
  }

  async function listen(): Promise<void> {
    if (!d.listenConfig) return;
    const c = new pg.Client(d.listenConfig);
    c.on("notification", wakeAll);
    c.on("error", (e) => {
      log.warn({ err: e }, "the projector's LISTEN connection was lost; polling until it is back");
      listener = null;
      if (!stopped) setTimeout(() => void listen().catch(() => {}), s.pollMs);
    });
    await c.connect();
    await c.query("LISTEN central_landed");
    listener = c;
  }

  let loops: Promise<void>[] = [];
  return {
    async start() {
      if (!s.enabled) return;
      try {
        await listen();
      } catch (e) {
        log.warn({ err: e }, "the projector cannot LISTEN; it polls every pollMs");
      }
      loops = Array.from({ length: s.workers }, (_, i) => loop(i));
    },
    async stop() {
      stopped = true;
      wakeAll();
      await Promise.all(loops);
      await listener?.end().catch(() => {});
    },
  };
}
