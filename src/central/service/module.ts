/**
 * What a part of lockerd-central is: a module with a name (also its configuration key), its
 * settings schema, its HTTP routes, and background work it starts and stops. The service is
 * composed from the list in modules.ts; a new part of the center is a new module there.
 */
import type { Registry } from "prom-client";
import type pg from "pg";
import type { z } from "zod";
import type { Route } from "../../api/registry.js";
import type { Logger } from "../../system/logger.js";
import type { CentralRole } from "./auth.js";
import type { ResolvedCentralConfig } from "./config.js";

/** Wall time for the service's decisions (deadlines, retries); tests hand in a virtual one. */
export interface CentralClock {
  now(): number;
}

/** What every module is handed. */
export interface CentralDeps {
  /** The central database (a pool: every job claims its work in a transaction of its own). */
  pool: pg.Pool;
  log: Logger;
  clock: CentralClock;
  /** Metrics registry served on /metrics; modules register their own metrics on it. */
  metrics: Registry;
  config: ResolvedCentralConfig;
  /** This instance's name (logs, claimed work). */
  instance: string;
}

/** Background work a module started; stopped once, in reverse start order. */
export interface Running {
  stop(): Promise<void>;
}

export interface CentralModule<S = unknown> {
  /** Also the module's top-level configuration key. */
  readonly name: string;
  /** The module's part of the configuration (defaults included: {} must parse). */
  readonly settings?: z.ZodType<S>;
  /** HTTP routes (declared once: mounted, validated and described in the OpenAPI document). */
  routes?(deps: CentralDeps, settings: S): Route<CentralRole>[];
  /** Background work (claimed from tables, never held in memory only: several instances run). */
  start?(deps: CentralDeps, settings: S): Promise<Running> | Running;
}

/** A module with its settings type checked, stored in the list without it. */
export function defineModule<S>(m: CentralModule<S>): CentralModule {
  return m as unknown as CentralModule;
}

/** A module's parsed settings. */
export function settingsOf<S>(deps: Pick<CentralDeps, "config">, module: CentralModule<S>): S {
  return deps.config.modules[module.name] as S;
}
