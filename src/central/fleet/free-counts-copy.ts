/**
 * Keeps one instance's in-memory free counts (./free-counts.ts) fresh: a connection of its own
 * (never the pool's) LISTENs on lockerd_free_counts (central migration 8: one notification per
 * bank per committed transaction that changed its counts), loads every count once, then re-reads
 * the banks named by each notification. Notifications are lost while the connection is down, so
 * each (re)connection LISTENs first and then reloads everything.
 *
 * How fresh, measured rather than assumed: every heartbeatMs the instance sends a notification
 * of its own through the pool, stamped with the time it was sent. PostgreSQL delivers
 * notifications in commit order, so when that heartbeat comes back and the banks notified before
 * it are re-read, the copy holds every change committed before the stamp. A read is answered
 * from the copy only while that stamp (or the start of the last reload) is at most staleAfterMs
 * old; otherwise the caller asks PostgreSQL (the SQL of ./availability-reads.ts). A connection that stops
 * answering is dropped and replaced once nothing was confirmed for 2 x staleAfterMs.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "../../system/logger.js";
import { FREE_COUNT_CHANNEL } from "../migrations/008-free-count-notify.js";
import { FreeCounts, readAllCounts, readBankCounts } from "./free-counts.js";
import type { Queryable } from "./queries.js";

export interface FreeCountsCopySettings {
  /** How often the instance checks, end to end, that notifications reach it. */
  heartbeatMs: number;
  /** Older than this (since the last confirmed heartbeat or reload), reads go to PostgreSQL. */
  staleAfterMs: number;
  /** Wait before reconnecting after the connection was lost (doubling up to reconnectMaxMs). */
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export interface FreeCountsCopyDeps {
  /** A new connection for LISTEN (not from the pool: it stays open and holds the LISTEN). */
  connect(): pg.Client;
  /** The pool, for the heartbeat's NOTIFY. */
  pool: Queryable;
  log: Logger;
  metrics: Registry;
  now?: () => number;
}

const HEARTBEAT = "~hb:";

/** Whether the schema's count trigger notifies (central migration 8), whatever number it was given. */
async function notifiesCounts(c: pg.Client): Promise<boolean> {
  const r = await c.query<{ ok: boolean | null }>(
    `SELECT (SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure('central.count_lockers()')) LIKE '%pg_notify(''${FREE_COUNT_CHANNEL}''%' AS ok`,
  );
  return r.rows[0]?.ok === true;
}

export class FreeCountsCopy {
  private readonly counts = new FreeCounts();
  private client: pg.Client | null = null;
  private state: "stopped" | "connecting" | "live" | "down" = "stopped";
  /** Every change committed before this time (ms) is in the copy. */
  private confirmedAt = -Infinity;
  private readonly pendingBanks = new Set<string>();
  private pendingConfirm = -Infinity;
  private draining: Promise<void> | null = null;
  private retryMs = 0;
  private beat: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly token = randomBytes(6).toString("hex");
  private warnedSchema = false;
  private now: () => number = Date.now;
  private deps: FreeCountsCopyDeps | null = null;
  private settings: FreeCountsCopySettings | null = null;
  private readonly counters = { reloads: 0, fallbacks: 0 };
  /** Drops the current connection and schedules a new one (which reloads). */
  private lose: ((why: string, err?: unknown) => void) | null = null;
  private metrics: { reloads: Counter; fallbacks: Counter; refreshed: Counter; queue: Gauge; names: string[] } | null = null;

  /** The copy if it is fresh enough to answer from, else null (ask PostgreSQL, and say so with fellBack()). */
  fresh(): FreeCounts | null {
    if (this.state !== "live" || this.settings === null) return null;
    return this.now() - this.confirmedAt <= this.settings.staleAfterMs ? this.counts : null;
  }

  /** A read answered by PostgreSQL because the copy was not fresh. */
  fellBack(): void {
    this.counters.fallbacks++;
    this.metrics?.fallbacks.inc();
  }

  start(deps: FreeCountsCopyDeps, settings: FreeCountsCopySettings): void {
    this.deps = deps;
    this.settings = settings;
    this.now = deps.now ?? Date.now;
    this.registerMetrics(deps.metrics);
    this.state = "down";
    this.retryMs = settings.reconnectMinMs;
    this.connect();
    this.beat = setInterval(() => this.heartbeat(), settings.heartbeatMs);
    this.beat.unref();
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    if (this.beat) clearInterval(this.beat);
    if (this.retry) clearTimeout(this.retry);
    this.beat = this.retry = null;
    const c = this.client;
    this.client = null;
    // (a connection that hangs is not waited for long)
    if (c) await Promise.race([c.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    await this.draining?.catch(() => {});
    for (const n of this.metrics?.names ?? []) this.deps?.metrics.removeSingleMetric(n);
    this.metrics = null;
  }

  private connect(): void {
    if (this.state === "stopped") return;
    const deps = this.deps!;
    const client = deps.connect();
    this.client = client;
    this.state = "connecting";
    const lost = (why: string, err?: unknown) => {
      if (this.client !== client) return; // an abandoned connection's last words
      this.client = null;
      this.lose = null;
      client.end().catch(() => {});
      if (this.state === "stopped") return;
      this.state = "down";
      this.confirmedAt = -Infinity;
      this.pendingConfirm = -Infinity;
      this.pendingBanks.clear();
      deps.log.warn({ err, retryInMs: this.retryMs }, `availability copy: ${why}; reads go to PostgreSQL until it is reloaded`);
      this.reconnectIn(this.retryMs);
      this.retryMs = Math.min(this.settings!.reconnectMaxMs, this.retryMs * 2);
    };
    this.lose = lost;
    client.on("error", (e) => lost("the LISTEN connection failed", e));
    client.on("end", () => lost("the LISTEN connection closed"));
    client.on("notification", (n) => {
      if (this.client !== client || n.channel !== FREE_COUNT_CHANNEL || n.payload === undefined) return;
      if (n.payload.startsWith(HEARTBEAT)) {
        const [token, sent] = n.payload.slice(HEARTBEAT.length).split(":");
        if (token === this.token) this.pendingConfirm = Math.max(this.pendingConfirm, Number(sent));
      } else {
        this.pendingBanks.add(n.payload);
      }
      this.drain();
    });
    void (async () => {
      await client.connect();
      if (!(await notifiesCounts(client))) {
        // heartbeats would still come back: the copy would look fresh and never change
        this.client = null;
        this.lose = null;
        client.end().catch(() => {});
        if (!this.warnedSchema) deps.log.warn("availability copy off: this central schema does not notify count changes (central migration 8); reads go to PostgreSQL");
        this.warnedSchema = true;
        this.state = "down";
        this.reconnectIn(this.settings!.reconnectMaxMs);
        return;
      }
      await client.query(`LISTEN ${FREE_COUNT_CHANNEL}`);
      // After LISTEN: every change committed after the load's snapshot will be notified.
      const started = this.now();
      const rows = await readAllCounts(client);
      if (this.client !== client) return;
      this.counts.replaceAll(rows);
      this.confirmedAt = started;
      this.state = "live";
      this.retryMs = this.settings!.reconnectMinMs;
      this.counters.reloads++;
      this.metrics?.reloads.inc();
      deps.log.info({ banks: this.counts.bankCount, rows: rows.length, ms: this.now() - started }, "availability copy loaded");
      this.drain();
    })().catch((e: unknown) => lost("could not load", e));
  }

  private reconnectIn(ms: number): void {
    if (this.state === "stopped") return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, ms);
    this.retry.unref();
  }

  /** Re-read the banks notified (one statement for all of them), one round at a time, in order. */
  private drain(): void {
    if (this.draining || this.state !== "live") return;
    this.draining = (async () => {
      while (this.state === "live" && (this.pendingBanks.size > 0 || this.pendingConfirm > this.confirmedAt)) {
        const client = this.client!;
        const banks = [...this.pendingBanks];
        const confirm = this.pendingConfirm;
        this.pendingBanks.clear();
        if (banks.length > 0) {
          const rows = await readBankCounts(client, banks);
          if (this.client !== client) return;
          this.counts.replaceBanks(banks, rows);
          this.metrics?.refreshed.inc(banks.length);
        }
        if (confirm > this.confirmedAt) this.confirmedAt = confirm;
      }
    })()
      // the banks of that round are no longer pending: only a reload makes the copy whole again
      .catch((e: unknown) => this.lose?.("re-reading notified banks failed", e))
      .finally(() => {
        this.draining = null;
        // notified while the last round ran
        if (this.state === "live" && (this.pendingBanks.size > 0 || this.pendingConfirm > this.confirmedAt)) this.drain();
      });
  }

  private heartbeat(): void {
    const s = this.settings!;
    const deps = this.deps!;
    if (this.state === "live" && this.now() - this.confirmedAt > 2 * s.staleAfterMs) {
      // nothing confirmed for too long: the connection hangs (or PostgreSQL lags); start over
      this.lose?.(`no heartbeat came back for ${this.now() - this.confirmedAt} ms`);
      return;
    }
    if (this.state !== "live") return;
    deps.pool
      .query<{ usage: number }>({
        name: "fleet-free-counts-heartbeat",
        text: "SELECT pg_notify($1, $2) AS sent, pg_notification_queue_usage() AS usage",
        values: [FREE_COUNT_CHANNEL, `${HEARTBEAT}${this.token}:${this.now()}`],
      })
      .then((r) => this.metrics?.queue.set(r.rows[0]!.usage))
      .catch((e: unknown) => deps.log.debug({ err: e }, "availability copy: heartbeat failed"));
  }

  private registerMetrics(registry: Registry): void {
    const banks = () => this.counts.bankCount;
    const age = () => (this.state === "live" ? (this.now() - this.confirmedAt) / 1000 : Infinity);
    const names = [
      "lockerd_central_availability_copy_banks",
      "lockerd_central_availability_copy_age_seconds",
      "lockerd_central_availability_copy_reloads_total",
      "lockerd_central_availability_copy_fallbacks_total",
      "lockerd_central_availability_copy_refreshed_banks_total",
      "lockerd_central_notification_queue_usage",
    ];
    new Gauge({
      name: names[0]!,
      help: "Banks in this instance's in-memory copy of the free locker counts",
      registers: [registry],
      collect() {
        this.set(banks());
      },
    });
    new Gauge({
      name: names[1]!,
      help: "How old the newest confirmed state of the availability copy is (+Inf: not loaded); reads fall back to PostgreSQL above fleet.availabilityCopy.staleAfterMs",
      registers: [registry],
      collect() {
        this.set(age());
      },
    });
    this.metrics = {
      names,
      reloads: new Counter({ name: names[2]!, help: "Full loads of the availability copy (at start and after each lost LISTEN connection)", registers: [registry] }),
      fallbacks: new Counter({ name: names[3]!, help: "Availability reads answered by PostgreSQL because the copy was not fresh", registers: [registry] }),
      refreshed: new Counter({ name: names[4]!, help: "Banks re-read into the availability copy after a notification", registers: [registry] }),
      queue: new Gauge({ name: names[5]!, help: "PostgreSQL's notification queue in use (0-1), as the availability copy's heartbeat last read it", registers: [registry] }),
    };
    this.metrics.reloads.inc(this.counters.reloads);
    this.metrics.fallbacks.inc(this.counters.fallbacks);
  }
}
