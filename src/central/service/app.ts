/**
 * The HTTP application of lockerd-central, built from a list of modules: the bank's conventions
 * (one route registry that also writes the OpenAPI 3.1 document, problem+json errors with
 * stable codes, Prometheus request timing), with the center's operator roles.
 */
import express from "express";
import type { Registry } from "prom-client";
import { httpTiming } from "../../api/http-metrics.js";
import { openApiDocument } from "../../api/openapi.js";
import { notFound, problemHandler } from "../../api/problem.js";
import { mountRoutes, type Route } from "../../api/registry.js";
import { CENTRAL_ROLE_MODEL, type CentralAuth, type CentralRole } from "./auth.js";
import type { CentralDeps, CentralModule } from "./module.js";
import { centralSystemRoutes } from "./routes/system.js";

export const CENTRAL_VERSION = "0.1.0";

export interface CentralApp {
  app: express.Express;
  routes: readonly Route<CentralRole>[];
  openapi(): Record<string, unknown>;
}

export interface CentralAppOptions {
  deps: CentralDeps;
  auth: CentralAuth;
  modules: readonly CentralModule[];
  metrics: Registry;
  state(): "starting" | "running" | "stopping";
}

export function createCentralApp(opts: CentralAppOptions): CentralApp {
  const { deps } = opts;
  const app = express();
  app.disable("x-powered-by");
  // Answers are live figures, never revalidated: no body hash per response (a read at 2,000/s).
  app.set("etag", false);
  app.set("query parser", "simple");
  const log = deps.log.child({ component: "http" });
  // A line per request only when it would be written: otherwise a listener per request for nothing.
  if (log.isLevelEnabled("debug")) {
    app.use((req, res, next) => {
      const started = process.hrtime.bigint();
      res.on("finish", () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log.debug({ method: req.method, path: req.path, status: res.statusCode, ms }, "request");
      });
      next();
    });
  }
  app.use(httpTiming(opts.metrics, "lockerd_central_http_request_duration_seconds"));

  let doc: Record<string, unknown> | null = null;
  const openapi = () =>
    (doc ??= openApiDocument(routes, {
      title: "lockerd-central",
      version: CENTRAL_VERSION,
      description: "The central service of a fleet of parcel-locker banks.",
      roles: CENTRAL_ROLE_MODEL,
      rolesText:
        "Bearer tokens carry one role: viewer (reads), operator (acts on banks and parcels), carrier (sends pre-advice) " +
        "or admin (may do everything). `x-roles` on each operation lists the roles allowed. " +
        "Errors are application/problem+json (RFC 9457) with a stable `code`.",
      tokenHint: "a token made with `lockerd-central token create` (npm run central -- token create)",
    }));
  const routes: Route<CentralRole>[] = [
    ...centralSystemRoutes({ pool: deps.pool, instance: deps.instance, metrics: opts.metrics, state: opts.state, openapi }),
    ...opts.modules.flatMap((m) => m.routes?.(deps, deps.config.modules[m.name]) ?? []),
  ];
  mountRoutes(app, routes, { auth: opts.auth, bodyLimitBytes: deps.config.http.bodyLimitBytes, roles: CENTRAL_ROLE_MODEL });
  app.use(notFound);
  app.use(problemHandler(log));
  return { app, routes, openapi };
}
