/** The daemon's own endpoints: health (open), the OpenAPI document, Prometheus metrics. */
import { z } from "zod";
import { SOFTWARE_VERSION } from "../../system/paths.js";
import type { ApiDeps } from "../deps.js";
import type { Metrics } from "../metrics.js";
import { defineRoute, type Route } from "../registry.js";
import { healthView } from "../views.js";

export const daemonView = z
  .object({
    pid: z.number().int(),
    database: z.string().meta({ description: "the SQLite file this daemon runs on (LOCKERD_DB or the configuration)" }),
  })
  .strict()
  .meta({ id: "Daemon" });

export function systemRoutes(deps: ApiDeps, metrics: Metrics, openapi: () => unknown): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      tag: "system",
      summary: "Is the daemon up and ready (no token needed)",
      access: "open",
      responses: { 200: { description: "ready", schema: healthView }, 503: { description: "still starting or stopping", schema: healthView } },
      handler: (_input, _req, res) => {
        if (deps.isReady()) res.json({ status: "ok", version: SOFTWARE_VERSION });
        else res.status(503).json({ status: "starting", version: SOFTWARE_VERSION });
      },
    }),
    defineRoute({
      method: "get",
      path: "/daemon",
      tag: "system",
      summary: "The running daemon's process and database file, for lockerctl's doctor and backup (technician)",
      access: [],
      responses: { 200: { description: "the daemon", schema: daemonView } },
      handler: (_input, _req, res) => {
        res.json({ pid: process.pid, database: deps.ctx.store.db.name });
      },
    }),
    defineRoute({
      method: "get",
      path: "/openapi.json",
      tag: "system",
      summary: "This document (any valid token)",
      access: "any",
      responses: { 200: { description: "the OpenAPI 3.1 document", schema: z.record(z.string(), z.unknown()) } },
      handler: (_input, _req, res) => {
        res.json(openapi());
      },
    }),
    defineRoute({
      method: "get",
      path: "/metrics",
      tag: "system",
      summary: "Prometheus metrics: lockers, parcels, door faults, sync backlog, event loop, request latency",
      access: ["monitor"],
      responses: { 200: { description: "Prometheus text exposition format", contentType: "text/plain" } },
      handler: async (_input, _req, res) => {
        const body = await metrics.registry.metrics();
        res.type(metrics.registry.contentType).send(body);
      },
    }),
  ];
}
