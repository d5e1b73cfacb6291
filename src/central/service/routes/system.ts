/** The service's own endpoints: health (open, checks the database), the OpenAPI document, metrics, who am I. */
import { z } from "zod";
import type { Registry } from "prom-client";
import { SOFTWARE_VERSION } from "../../../system/paths.js";
import { defineRoute, type Route } from "../../../api/registry.js";
import { callerOf, type CentralRole } from "../auth.js";
import type { CentralDeps } from "../module.js";

export const centralHealthView = z
  .object({
    status: z.enum(["ok", "starting", "stopping", "degraded"]),
    instance: z.string(),
    database: z.enum(["ok", "unreachable"]),
    schemaVersion: z.number().int().nullable(),
    version: z.string().meta({ description: "the running lockerd-central's version (package.json, semantic)" }),
  })
  .strict()
  .meta({ id: "CentralHealth" });

export interface SystemRouteDeps extends Pick<CentralDeps, "pool" | "instance"> {
  metrics: Registry;
  state(): "starting" | "running" | "stopping";
  openapi(): unknown;
}

export function centralSystemRoutes(deps: SystemRouteDeps): Route<CentralRole>[] {
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      tag: "system",
      summary: "Is this instance up, and can it reach the database (no token needed)",
      access: "open",
      responses: { 200: { description: "ready", schema: centralHealthView }, 503: { description: "starting, stopping or without its database", schema: centralHealthView } },
      handler: async (_input, _req, res) => {
        let schemaVersion: number | null = null;
        let database: "ok" | "unreachable" = "ok";
        try {
          const r = await deps.pool.query<{ v: number | null }>("SELECT max(version) AS v FROM public.lockerd_central_migrations");
          schemaVersion = r.rows[0]?.v ?? null;
        } catch {
          database = "unreachable";
        }
        const state = deps.state();
        const status = state === "running" ? (database === "ok" ? "ok" : "degraded") : state;
        res.status(status === "ok" ? 200 : 503).json({ status, instance: deps.instance, database, schemaVersion, version: SOFTWARE_VERSION });
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
        res.json(deps.openapi());
      },
    }),
    defineRoute({
      method: "get",
      path: "/metrics",
      tag: "system",
      summary: "Prometheus metrics of this instance: requests, notifications, the event loop",
      access: ["viewer"],
      responses: { 200: { description: "Prometheus text exposition format", contentType: "text/plain" } },
      handler: async (_input, _req, res) => {
        res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
      },
    }),
    defineRoute({
      method: "get",
      path: "/whoami",
      tag: "system",
      summary: "The token's name and role",
      access: "any",
      responses: { 200: { description: "the caller", schema: z.object({ name: z.string(), role: z.string() }).strict() } },
      handler: (_input, _req, res) => {
        const c = callerOf(res);
        res.json({ name: c.name, role: c.role });
      },
    }),
  ];
}
