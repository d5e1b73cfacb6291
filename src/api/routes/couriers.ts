/** /couriers: who may sign in as a courier, from the configuration and from central. Never a hash. */
import { z } from "zod";
import { courierViews } from "../../bank/couriers.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";

const iso = z.string().nullable();
export const courierView = z
  .object({
    id: z.string(),
    name: z.string(),
    source: z.enum(["config", "central"]),
    kind: z.enum(["badge", "pin", "badge+pin", "none"]),
    status: z.enum(["active", "revoked", "replaced"]),
    addedAt: iso,
    revokedAt: iso,
    commandId: z.number().int().nullable(),
  })
  .strict()
  .meta({ id: "Courier" });

export function courierRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/couriers",
      tag: "couriers",
      summary: "Courier credentials: configured and issued by central, with their state (never the hashes)",
      description:
        "A credential central issued under the id or name of a configured courier replaces that courier's configured one (status replaced); a revocation locks it out (status revoked).",
      access: ["technician"],
      responses: { 200: { description: "every courier, revoked ones included", schema: z.object({ couriers: z.array(courierView) }) } },
      handler: (_input, _req, res) => {
        res.json({ couriers: courierViews(deps.ctx.couriers ?? [], deps.ctx.store.couriers.all()) });
      },
    }),
  ];
}
