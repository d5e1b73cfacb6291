/** /commands: the operator keys this bank trusts for central commands, its limits, and the commands it refused. */
import { z } from "zod";
import { commandTrustView } from "../../bank/remote-commands.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";

const refusedView = z
  .object({ commandId: z.number().int(), kind: z.string(), reason: z.string(), message: z.string().nullable(), keyId: z.string().nullable(), at: z.string() })
  .strict()
  .meta({ id: "RefusedCommand" });

export const commandTrustSchema = z
  .object({
    bankId: z.string(),
    trustedKeys: z.array(z.object({ name: z.string(), keyId: z.string(), publicKey: z.string() }).strict()),
    maxRemoteOpensPerHour: z.number().int(),
    remoteOpensLastHour: z.number().int(),
    clockSkewMs: z.number().int(),
    maxValidityMs: z.number().int(),
    refused: z.array(refusedView),
  })
  .strict()
  .meta({ id: "CommandTrust" });

export function commandRoutes(deps: ApiDeps): Route[] {
  // (a bank built without a trust, as some tests build one, trusts no key)
  const trust = deps.commandTrust ?? { bankId: deps.bankId, keys: new Map(), maxRemoteOpensPerHour: 0, clockSkewMs: 0, maxValidityMs: 0 };
  return [
    defineRoute({
      method: "get",
      path: "/commands",
      tag: "sync",
      summary: "Central commands: the operator keys this bank trusts, its remote-open limit, and the commands it refused (newest first)",
      access: ["technician", "monitor"],
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }).strict(),
      responses: { 200: { description: "keys, limits and refusals", schema: commandTrustSchema } },
      handler: ({ query: q }, _req, res) => {
        res.json(commandTrustView(trust, deps.ctx.store, deps.ctx.clock.now(), q.limit));
      },
    }),
  ];
}
