/** /lockouts: the attempt limiter's view of who failed and who is locked out, and lifting a lockout. */
import { z } from "zod";
import { DEFAULT_LIMITER, lockoutViews } from "../../bank/attempts.js";
import { LockerdError } from "../../basics/errors.js";
import type { Caller } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";

export const lockoutView = z
  .object({
    source: z.string().meta({ description: 'where the attempts came from: "keypad:<id>", "scanner:<id>", "http:<token name or address>"' }),
    lockedUntil: z.string().nullable(),
    lockedForMs: z.number().int(),
    failures: z.number().int(),
    remaining: z.number().int(),
    trips: z.number().int(),
  })
  .meta({ id: "Lockout" });

const sourceParam = z.object({ source: z.string().min(1).max(200) }).strict();

export function lockoutRoutes(deps: ApiDeps): Route[] {
  const limiter = deps.attempts;
  return [
    defineRoute({
      method: "get",
      path: "/lockouts",
      tag: "bank",
      summary: "Sources with recent failed codes or PINs, and which are locked out (never the codes)",
      access: ["monitor"],
      responses: { 200: { description: "the limiter's state per source", schema: z.object({ lockouts: z.array(lockoutView) }) } },
      handler: (_input, _req, res) => {
        const now = deps.ctx.clock.now();
        res.json({ lockouts: limiter ? limiter.lockouts() : lockoutViews(deps.ctx.store, DEFAULT_LIMITER, now) });
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
      errors: ["NOT_FOUND", "INVALID_STATE"],
      handler: ({ params }, _req, res) => {
        if (!limiter) throw new LockerdError("INVALID_STATE", "this daemon has no attempt limiter");
        const caller = res.locals.caller as Caller | undefined;
        res.json(limiter.clear(params.source, caller?.name ?? "technician"));
      },
    }),
  ];
}
