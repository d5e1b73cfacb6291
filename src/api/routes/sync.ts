/** /sync: the upward sync's state (backlog, last success, last error, lag) and a push on demand. */
import { z } from "zod";
import { LockerdError } from "../../basics/errors.js";
import { SOFTWARE_VERSION } from "../../system/paths.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";

const iso = z.string().nullable();
export const syncView = z
  .object({
    configured: z.boolean(),
    backlog: z.number().int(),
    oldestUnsentAt: iso,
    lastSuccessAt: iso,
    lastError: z.string().nullable(),
    lagMs: z.number().nullable(),
    lastSentSeq: z.number().int(),
    attempts: z.number().int().meta({ description: "push cycles ended since the daemon started, successful or not" }),
    adviceHints: z.number().int().optional().meta({ description: "reachable-door hints of carriers' pre-advice held for parcels still to come" }),
    softwareVersion: z.string().meta({ description: "the lockerd version this bank runs, as its status reports carry it upward" }),
  })
  .passthrough()
  .meta({ id: "SyncState" });

export function syncRoutes(deps: ApiDeps): Route[] {
  // Without sync the outbox still fills: show how much is waiting.
  const outbox = deps.sync ? null : deps.ctx.store.outbox;
  return [
    defineRoute({
      method: "get",
      path: "/sync",
      tag: "sync",
      summary: "The upward sync's state: backlog, last success, last error, lag",
      access: ["monitor"],
      responses: { 200: { description: "the sync state", schema: syncView } },
      handler: (_input, _req, res) => {
        if (deps.sync) return void res.json({ ...deps.sync.status(), softwareVersion: SOFTWARE_VERSION });
        const s = outbox!.stats();
        res.json({
          configured: false,
          backlog: s.backlog,
          oldestUnsentAt: s.oldestUnsentAt === null ? null : new Date(s.oldestUnsentAt).toISOString(),
          lastSuccessAt: null,
          lastError: null,
          lagMs: null,
          lastSentSeq: s.lastSentSeq,
          attempts: 0,
          softwareVersion: SOFTWARE_VERSION,
        });
      },
    }),
    defineRoute({
      method: "post",
      path: "/sync/now",
      tag: "sync",
      summary: "Push the outbox to the central database now (technician)",
      access: [],
      responses: { 202: { description: "a push was started", schema: z.object({ accepted: z.boolean() }) } },
      errors: ["INVALID_STATE"],
      handler: (_input, _req, res) => {
        if (!deps.sync) throw new LockerdError("INVALID_STATE", "sync to the central database is not configured (sync.enabled)");
        deps.sync.pushNow();
        res.status(202).json({ accepted: true });
      },
    }),
  ];
}
