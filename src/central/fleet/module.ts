/**
 * The fleet module of lockerd-central: the operator's read-only view of every bank (API and
 * page), and the fleet gauges on /metrics. Settings under the configuration key "fleet".
 */
import { Gauge } from "prom-client";
import { z } from "zod";
import { defineModule } from "../service/module.js";
import { fleetPageRoutes } from "./page-routes.js";
import { fleetSummary, type FleetSettings } from "./queries.js";
import { fleetRoutes } from "./routes.js";
// read-only but for clearing an alarm (central migration 11)
import { alarmClearingRoutes } from "./alarm-routes.js";

export const fleetSettingsSchema = z
  .object({
    /** A bank not heard from for this long is offline (banks report at every command poll, 15 s by default). */
    offlineAfterMs: z.number().int().min(1000).max(86_400_000).default(60_000),
    /** Locker sizes, smallest first: "fits" availability counts a size and the larger ones. */
    sizes: z.array(z.string().regex(/^[A-Za-z0-9]{1,8}$/)).min(1).max(16).default(["S", "M", "L"]),
    /** How often the fleet page asks for news. */
    pagePollMs: z.number().int().min(250).max(60_000).default(2000),
  })
  .strict()
  .prefault({});

export type FleetModuleSettings = z.infer<typeof fleetSettingsSchema>;

export const fleetModule = defineModule<FleetModuleSettings>({
  name: "fleet",
  settings: fleetSettingsSchema,
  routes(deps, s) {
    const settings: FleetSettings = { offlineAfterMs: s.offlineAfterMs, sizes: s.sizes };
    return [...fleetRoutes({ db: deps.pool, settings, pagePollMs: s.pagePollMs }), ...alarmClearingRoutes({ db: deps.pool }), ...fleetPageRoutes()];
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
    return {
      stop: async () => {
        deps.metrics.removeSingleMetric("lockerd_central_fleet_banks");
        deps.metrics.removeSingleMetric("lockerd_central_fleet_open_alarms");
      },
    };
  },
});
