/**
 * The projector as a module of lockerd-central (configuration key "projection"): applies the
 * batches banks landed (central migration 9) to the projections the fleet API, the notifier,
 * alarms, commands and passes read.
 */
import type pg from "pg";
import { z } from "zod";
import { poolConfig } from "../service/database.js";
import { defineModule } from "../service/module.js";
import { createProjector, type ProjectorSettings } from "./worker.js";

export const projectionSettings = z
  .object({
    /** Run the projector on this instance (at least one instance must, or landed batches wait). */
    enabled: z.boolean().default(true),
    /** Projecting loops on this instance (each a connection while it works). */
    workers: z.number().int().min(1).max(16).default(2),
    /** Batches of one bank per call (one transaction). */
    batchesPerCall: z.number().int().min(1).max(1000).default(8),
    /** How often an idle loop looks without being woken (ms). */
    pollMs: z.number().int().min(50).max(60_000).default(1000),
    /** Loops beyond the first run only once no bank has landed a batch for this long (ms): during a storm, landing first. */
    quietAfterMs: z.number().int().min(0).max(600_000).default(1000),
  })
  .strict()
  .prefault({});

export const projectionModule = defineModule<ProjectorSettings>({
  name: "projection",
  settings: projectionSettings,
  async start(deps, s) {
    const { max: _max, connectionTimeoutMillis, query_timeout: _q, statement_timeout: _s, ...conn } = poolConfig(deps.config, deps.log);
    const projector = createProjector({
      pool: deps.pool,
      listenConfig: { ...conn, connectionTimeoutMillis } as pg.ClientConfig,
      log: deps.log,
      metrics: deps.metrics,
      settings: s,
    });
    await projector.start();
    return { stop: () => projector.stop() };
  },
});
