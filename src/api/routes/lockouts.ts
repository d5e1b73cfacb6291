/** /lockouts: the attempt limiter's view of who failed and who is locked out, and lifting a lockout. */
import { z } from "zod";
import { limiterOf } from "../../bank/attempts.js";
import type { Caller } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";

export const lockoutView = z
  .object({
    source: z.string().meta({ description: 'where the attempts came from: "keypad:<id>", "http:<token name or address>"; courier PINs have their own, ending ":pin"' }),
    lockedUntil: z.string().nullable(),
    lockedForMs: z.number().int(),
    failures: z.number().int(),
    remaining: z.number().int(),
    trips: z.number().int(),
  })
  .meta({ id: "Lockout" });

const sourceParam = z.object({ source: z.string().min(1).max(200) }).strict();

export function lockoutRoutes(deps: ApiDeps): Route[] {
  const limiter = limiterOf(deps.ctx);
  return [
    defineRoute({
      method: "get",
      path: "/lockouts",
      tag: "bank",
      summary: "Sources with recent failed codes or PINs, and which are locked out (never the codes)",
      access: ["monitor"],
      responses: { 200: { description: "the limiter's state per source", schema: z.object({ lockouts: z.array(lockoutView) }) } },
      handler: (_input, _req, res) => {
        res.json({ lockouts: limiter.lockouts() });
      },
    }),
    defineRoute({
      method: "delete",
      path: "/lockouts/:source",
      tag: "bank",
      summary: "Lift a source's lockout and forgive its failures; later lockouts still grow (technician)",
      access: [],
      params: sourceParam,
      responses: { 200: { description: "the source's state after clearing", schema: lockoutView } },
      errors: ["NOT_FOUND"],
      handler: ({ params }, _req, res) => {
        const caller = res.locals.caller as Caller | undefined;
        res.json(limiter.clear(params.source, caller?.pass ? `pass:${caller.pass.holder}` : (caller?.name ?? "technician")));
      },
    }),
  ];
}
