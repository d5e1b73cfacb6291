/**
 * One instance of lockerd-central, composed: database pool (and migrations when configured),
 * HTTP server, then each module's background work in list order. Stopped once, in reverse:
 * stop taking requests, stop the modules' work (each finishes or abandons its claimed row,
 * which the claim's expiry hands to another instance), close the pool.
 */
import { hostname } from "node:os";
import { collectDefaultMetrics, Registry } from "prom-client";
import { listenApi, type Listening } from "../../api/listen.js";
import { buildInfo } from "../../api/http-metrics.js";
import { SOFTWARE_VERSION } from "../../system/paths.js";
import type { Logger } from "../../system/logger.js";
import { migrateCentral } from "../apply.js";
import { createCentralApp, type CentralApp } from "./app.js";
import { createCentralAuth } from "./auth.js";
import type { ResolvedCentralConfig } from "./config.js";
import { createPool } from "./database.js";
import type { CentralClock, CentralDeps, CentralModule, Running } from "./module.js";

export interface StartCentralOptions {
  config: ResolvedCentralConfig;
  log: Logger;
  modules: readonly CentralModule[];
  clock?: CentralClock;
}

export interface CentralInstance {
  url: string;
  deps: CentralDeps;
  app: CentralApp;
  stop(): Promise<void>;
}

export const defaultInstanceName = () => `${hostname()}-${process.pid}`;

export async function startCentral(opts: StartCentralOptions): Promise<CentralInstance> {
  const { config, log } = opts;
  const stack: { name: string; stop(): Promise<void> }[] = [];
  let state: "starting" | "running" | "stopping" = "starting";
  const stopAll = async () => {
    state = "stopping";
    for (const s of stack.reverse()) {
      try {
        await s.stop();
      } catch (e) {
        log.error({ err: e, part: s.name }, "stopping failed");
      }
    }
    stack.length = 0;
  };
  try {
    const pool = createPool(config, log);
    stack.push({ name: "database", stop: () => pool.end() });
    if (config.database.migrate) {
      const c = await pool.connect();
      try {
        const { from, to } = await migrateCentral(c);
        if (from !== to) log.info({ from, to }, "central schema migrated");
      } finally {
        c.release();
      }
    }
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: "lockerd_central_" });
    buildInfo(metrics, "lockerd_central_build_info", SOFTWARE_VERSION);
    const deps: CentralDeps = { pool, log, clock: opts.clock ?? { now: () => Date.now() }, metrics, config, instance: config.instance };
    const app = createCentralApp({ deps, auth: createCentralAuth(pool, { cacheMs: config.http.tokenCacheMs }), modules: opts.modules, metrics, state: () => state });
    const listening: Listening = await listenApi(app.app, { host: config.http.host, port: config.http.port, tls: config.paths.tls, socket: null }, log);
    stack.push({ name: "http", stop: () => listening.close() });
    for (const m of opts.modules) {
      if (!m.start) continue;
      const running: Running = await m.start({ ...deps, log: log.child({ module: m.name }) }, config.modules[m.name]);
      stack.push({ name: m.name, stop: () => running.stop() });
    }
    state = "running";
    log.info({ url: listening.url, instance: config.instance, modules: opts.modules.map((m) => m.name) }, "lockerd-central running");
    let stopped: Promise<void> | null = null;
    return { url: listening.url, deps, app, stop: () => (stopped ??= stopAll()) };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
