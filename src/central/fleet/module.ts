/**
 * The fleet module of lockerd-central: the operator's view of every bank (API and page),
 * read-only but for clearing an alarm (./alarm-routes.ts), and the fleet gauges on /metrics.
 * Settings under the configuration key "fleet".
 */
import pg from "pg";
import { Gauge } from "prom-client";
import { z } from "zod";
import { poolConfig } from "../service/database.js";
import { defineModule, type CentralDeps } from "../service/module.js";
import { FreeCountsCopy } from "./free-counts-copy.js";
import { fleetPageRoutes } from "./page-routes.js";
import { fleetSummary } from "./bank-reads.js";
import type { FleetSettings } from "./queries.js";
import { fleetRoutes } from "./routes.js";
import { alarmClearingRoutes } from "./alarm-routes.js";
import { alarmHistorySettings, startAlarmHistoryPrune } from "./alarm-history.js";

export const fleetSettingsSchema = z
  .object({
    /** A bank not heard from for this long is offline (banks report at every command poll, 15 s by default). */
    offlineAfterMs: z.number().int().min(1000).max(86_400_000).default(60_000),
    /** Locker sizes, smallest first: "fits" availability counts a size and the larger ones. */
    sizes: z.array(z.string().regex(/^[A-Za-z0-9]{1,8}$/)).min(1).max(16).default(["S", "M", "L"]),
    /** How often the fleet page asks for news. */
    pagePollMs: z.number().int().min(250).max(60_000).default(2000),
    /**
     * Each instance keeps the free counts in memory, fed by LISTEN/NOTIFY (central migration 8),
     * and answers availability from them while they are confirmed fresh (README "Availability
     * at fleet scale"). The LISTEN connection needs a session: PostgreSQL directly or PgBouncer
     * in session mode, never transaction mode.
     */
    availabilityCopy: z
      .object({
        enabled: z.boolean().default(true),
        /** How often the instance checks, end to end, that notifications reach it. */
        heartbeatMs: z.number().int().min(20).max(60_000).default(200),
        /** A copy not confirmed for this long answers nothing: PostgreSQL does. */
        staleAfterMs: z.number().int().min(50).max(600_000).default(1000),
        reconnectMinMs: z.number().int().min(10).max(600_000).default(100),
        reconnectMaxMs: z.number().int().min(10).max(600_000).default(5000),
      })
      .strict()
      .refine((c) => c.staleAfterMs > c.heartbeatMs, { message: "staleAfterMs must be longer than heartbeatMs", path: ["staleAfterMs"] })
      .prefault({}),
    /** How long alarms' earlier openings are kept (central.alarm_openings; ./alarm-history.ts). */
    alarmHistory: alarmHistorySettings,
  })
  .strict()
  .prefault({});

export type FleetModuleSettings = z.infer<typeof fleetSettingsSchema>;

/** One copy per instance (per pool), shared by the routes (which read it) and start (which feeds it). */
const copies = new WeakMap<pg.Pool, FreeCountsCopy>();
const copyOf = (deps: CentralDeps): FreeCountsCopy => {
  let c = copies.get(deps.pool);
  if (!c) copies.set(deps.pool, (c = new FreeCountsCopy()));
  return c;
};

export const fleetModule = defineModule<FleetModuleSettings>({
  name: "fleet",
  settings: fleetSettingsSchema,
  routes(deps, s) {
    const settings: FleetSettings = { offlineAfterMs: s.offlineAfterMs, sizes: s.sizes };
    const copy = s.availabilityCopy.enabled ? copyOf(deps) : null;
    return [...fleetRoutes({ db: deps.pool, settings, pagePollMs: s.pagePollMs, copy }), ...alarmClearingRoutes({ db: deps.pool }), ...fleetPageRoutes()];
  },
  start(deps, s) {
    // Read from the database when scraped: every instance tells the same fleet-wide truth.
    const settings: FleetSettings = { offlineAfterMs: s.offlineAfterMs, sizes: s.sizes };
    new Gauge({
      name: "lockerd_central_fleet_banks",
      help: "Banks by state (online: heard from within fleet.offlineAfterMs)",
      labelNames: ["state"],
      registers: [deps.metrics],
      async collect() {
        const f = await fleetSummary(deps.pool, settings);
        this.set({ state: "online" }, f.online);
        this.set({ state: "offline" }, f.offline);
      },
    });
    new Gauge({
      name: "lockerd_central_fleet_open_alarms",
      help: "Open alarms by kind across the fleet (offline banks not included: see lockerd_central_fleet_banks)",
      labelNames: ["kind"],
      registers: [deps.metrics],
      async collect() {
        const r = await deps.pool.query<{ kind: string; n: number }>(
          "SELECT kind, count(*)::int AS n FROM central.alarms WHERE cleared_at IS NULL GROUP BY kind",
        );
        this.reset();
        for (const x of r.rows) this.set({ kind: x.kind }, x.n);
      },
    });
    const copy = s.availabilityCopy.enabled ? copyOf(deps) : null;
    if (copy) {
      const listenConfig = { ...poolConfig(deps.config, deps.log), application_name: `lockerd-central ${deps.instance} listen`.slice(0, 63), keepAlive: true };
      copy.start({ connect: () => new pg.Client(listenConfig), pool: deps.pool, log: deps.log, metrics: deps.metrics }, s.availabilityCopy);
    }
    const prune = startAlarmHistoryPrune({ db: deps.pool, clock: deps.clock, log: deps.log }, s.alarmHistory);
    return {
      stop: async () => {
        await prune.stop();
        await copy?.stop();
        deps.metrics.removeSingleMetric("lockerd_central_fleet_banks");
        deps.metrics.removeSingleMetric("lockerd_central_fleet_open_alarms");
      },
    };
  },
});
