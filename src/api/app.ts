/** The express application: thin routers over use-case functions, one problem handler. */
import express from "express";
import type { ApiDeps } from "./deps.js";
import { notFound, problemHandler, redactPath } from "./problem.js";
import { eventsRouter } from "./routes/events.js";
import { lockersRouter } from "./routes/lockers.js";
import { packagesRouter } from "./routes/packages.js";
import { pickupRouter } from "./routes/pickup.js";
import { syncRouter } from "./routes/sync.js";

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  const log = deps.log.child({ component: "api" });

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.debug({ method: req.method, path: redactPath(req.path), status: res.statusCode, ms }, "request");
    });
    next();
  });

  app.get("/healthz", (_req, res) => {
    if (deps.isReady()) res.json({ status: "ok" });
    else res.status(503).json({ status: "starting" });
  });

  app.use(express.json({ limit: deps.bodyLimitBytes, strict: true, type: ["application/json", "application/*+json"] }));
  app.use(lockersRouter(deps));
  app.use(pickupRouter(deps));
  app.use(packagesRouter(deps));
  app.use(eventsRouter(deps));
  app.use(syncRouter(deps));
  app.use(notFound);
  app.use(problemHandler(log));
  return app;
}
