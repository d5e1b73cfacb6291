/**
 * Prometheus metrics on their own registry (so several daemons can run in one process, as in
 * tests). Gauges are read from the store when scraped; counters are derived from the event log
 * as events commit, so no other part of the daemon has to call a metric.
 */
import type { RequestHandler } from "express";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { buildInfo, httpTiming } from "./http-metrics.js";
import { EVENT_TYPES, EVENTS, type EventSpec, type EventType, type RecordedEvent } from "../basics/events.js";
import type { BankContext } from "../bank/context.js";
import { bankHealth } from "../bank/health.js";
import { outboxStatsReader } from "../store/sync-outbox.js";
import { SOFTWARE_VERSION } from "../system/paths.js";

const STATUSES = ["AVAILABLE", "RESERVED", "OCCUPIED", "OUT_OF_SERVICE"] as const;

interface SyncStatus {
  backlog: number;
  lagMs: number | null;
}

export interface MetricsOptions {
  ctx: BankContext;
}

export interface Metrics {
  readonly registry: Registry;
  /** Times every request by method, route template (never the raw path) and status. */
  readonly timing: RequestHandler;
  close(): void;
}

export function createMetrics(opts: MetricsOptions): Metrics {
  const { ctx } = opts;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these three gauges *_total, which Prometheus reserves for counters
  // (`promtool check metrics` flags them); nodejs_active_handles/_requests/_resources, by type, hold the same.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) registry.removeSingleMetric(name);
  buildInfo(registry, "lockerd_build_info", SOFTWARE_VERSION);

  new Gauge({
    name: "lockerd_lockers",
    help: "Lockers in the layout by size and status",
    labelNames: ["size", "status"],
    registers: [registry],
    collect() {
      this.reset();
      for (const size of ctx.sizes.sizes) for (const status of STATUSES) this.set({ size, status }, 0);
      for (const l of ctx.store.lockers.list()) if (l.inLayout) this.inc({ size: l.size, status: l.status });
    },
  });
  new Gauge({
    name: "lockerd_lockers_unreachable",
    help: "Lockers whose lock or sensor hardware cannot be reached now",
    registers: [registry],
    collect() {
      this.set(ctx.doors.unavailableLockers().size);
    },
  });

  // Compartment health (bank/health.ts), read from the store when scraped.
  const health = () => bankHealth(ctx);
  new Gauge({
    name: "lockerd_locker_health_score",
    help: "Each compartment's health score (0..100; see README, Health score)",
    labelNames: ["locker"],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of health()) this.set({ locker: h.lockerId }, h.score);
    },
  });
  new Gauge({
    name: "lockerd_locker_cycles",
    help: "Each compartment's lock cycles (unlocks whose door opened), for life",
    labelNames: ["locker"],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of health()) this.set({ locker: h.lockerId }, h.cycles);
    },
  });
  new Gauge({
    name: "lockerd_locker_faults",
    help: "Each compartment's faults since it was last put back in service, by kind",
    labelNames: ["locker", "kind"],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of health()) {
        this.set({ locker: h.lockerId, kind: "failed_open" }, h.failedOpens);
        this.set({ locker: h.lockerId, kind: "jam" }, h.jams);
        this.set({ locker: h.lockerId, kind: "sensor_flap" }, h.sensorFlaps);
        this.set({ locker: h.lockerId, kind: "board_error" }, h.boardErrors);
      }
    },
  });

  // Counters and door-fault kinds come from the event catalogue (basics/events.ts).
  const byName = new Map<string, Counter>();
  const counterOf = new Map<EventType, Counter>();
  const faultKind = new Map<EventType, string>();
  for (const type of EVENT_TYPES) {
    const spec: EventSpec = EVENTS[type];
    if (spec.counter) {
      const { name, help } = spec.counter;
      if (!byName.has(name)) byName.set(name, new Counter({ name, help, registers: [registry] }));
      counterOf.set(type, byName.get(name)!);
    }
    if (spec.doorFault) faultKind.set(type, spec.doorFault);
  }
  const doorFaults = new Counter({ name: "lockerd_door_faults_total", help: "Door faults by kind", labelNames: ["kind"], registers: [registry] });
  for (const kind of faultKind.values()) doorFaults.inc({ kind }, 0);
  const events = new Counter({ name: "lockerd_events_total", help: "Events recorded, by type", labelNames: ["type"], registers: [registry] });

  const onEvent = (e: RecordedEvent) => {
    events.inc({ type: e.type });
    counterOf.get(e.type)?.inc();
    const kind = faultKind.get(e.type);
    if (kind) doorFaults.inc({ kind });
  };
  const unsubscribe = ctx.store.events.subscribe(onEvent);

  // Index lookups, not a count of the backlog: a scrape must not hold the event loop.
  const outboxStats = outboxStatsReader(ctx.store.db);
  const syncStatus = (): SyncStatus => {
    const b = outboxStats();
    return { backlog: b.backlog, lagMs: b.oldestUnsentAt === null ? null : Math.max(0, ctx.clock.now() - b.oldestUnsentAt) };
  };
  new Gauge({
    name: "lockerd_sync_backlog_events",
    help: "Events not yet sent to the central database",
    registers: [registry],
    collect() {
      this.set(syncStatus().backlog);
    },
  });
  new Gauge({
    name: "lockerd_sync_lag_seconds",
    help: "Age of the oldest event not yet sent to the central database (0 when none)",
    registers: [registry],
    collect() {
      this.set((syncStatus().lagMs ?? 0) / 1000);
    },
  });

  // The deferred flush (store/wal-flush.ts): how many commits each flush of the card carries.
  new Counter({
    name: "lockerd_store_flushes_total",
    help: "Flushes (fdatasync) of the database's WAL off the event loop",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(ctx.store.flushStats().flushes);
    },
  });
  new Counter({
    name: "lockerd_store_flushed_commits_total",
    help: "Commits made durable by those flushes",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(ctx.store.flushStats().carried);
    },
  });
  new Gauge({
    name: "lockerd_store_unflushed_commits",
    help: "Commits not yet on disk (nothing they show has left the daemon)",
    registers: [registry],
    collect() {
      this.set(ctx.store.flushStats().pending);
    },
  });

  const timing = httpTiming(registry, "lockerd_http_request_duration_seconds");

  return { registry, timing, close: () => unsubscribe() };
}
