/** The express application: thin routes over use-case functions, declared in one registry, one problem handler. */
import express from "express";
import type { ApiDeps } from "./deps.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { openApiDocument } from "./openapi.js";
import { idempotencyKeys } from "./idempotency.js";
import { oneRequestPerTurn } from "./turns.js";
import { answersAfterDurable } from "./durable-answers.js";
import { span, spanStart } from "../system/trace.js";
import { notFound, problemHandler, redactPath } from "./problem.js";
import { mountRoutes, type Route } from "./registry.js";
import { eventRoutes } from "./routes/events.js";
import { lockerRoutes } from "./routes/lockers.js";
import { lockerHealthRoutes } from "./routes/locker-health.js";
import { packageRoutes } from "./routes/packages.js";
import { pickupRoutes } from "./routes/pickup.js";
import { systemRoutes } from "./routes/system.js";
import { bankRoutes } from "./routes/bank.js";
import { pageRoutes } from "./routes/page.js";
import { simRoutes } from "./routes/sim.js";
import { lockoutRoutes } from "./routes/lockouts.js";
import { syncRoutes } from "./routes/sync.js";
import { courierRoutes } from "./routes/couriers.js";
import { commandRoutes } from "./routes/commands.js";

export interface Api {
  app: express.Express;
  /** Every route the app serves, as declared (the OpenAPI document is made from these). */
  routes: readonly Route[];
  metrics: Metrics;
  openapi(): Record<string, unknown>;
  close(): void;
}

const VERSION = "0.1.0";

export function createApi(deps: ApiDeps): Api {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  const log = deps.log.child({ component: "api" });
  const metrics = createMetrics({ ctx: deps.ctx });

  // Access log: method, path with any code redacted, status, time. Never bodies or headers.
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const traced = spanStart();
    res.on("finish", () => {
      span("http", traced);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.debug({ method: req.method, path: redactPath(req.path), status: res.statusCode, ms }, "request");
    });
    next();
  });
  app.use(metrics.timing);
  app.use(answersAfterDurable(deps.ctx.store));

  let doc: Record<string, unknown> | null = null;
  const openapi = () => (doc ??= openApiDocument(routes, { title: "lockerd", version: VERSION, description: "The local API of a parcel-locker bank." }));
  const routes: Route[] = [
    ...systemRoutes(deps, metrics, openapi),
    // before lockerRoutes: its /lockers/:id would match /lockers/health
    ...lockerHealthRoutes(deps),
    ...lockerRoutes(deps),
    ...pickupRoutes(deps),
    ...packageRoutes(deps),
    ...eventRoutes(deps),
    ...bankRoutes(deps),
    ...syncRoutes(deps),
    ...lockoutRoutes(deps),
    ...courierRoutes(deps),
    ...commandRoutes(deps),
    ...simRoutes(deps),
    ...pageRoutes(),
  ];
  // the keypad and the scanner go between requests (turns.ts)
  mountRoutes(app, routes, { auth: deps.auth, bodyLimitBytes: deps.bodyLimitBytes, idempotency: idempotencyKeys(deps.ctx, log), turns: oneRequestPerTurn(deps.foreground) });
  app.use(notFound);
  app.use(problemHandler(log));
  return { app, routes, metrics, openapi, close: () => metrics.close() };
}
