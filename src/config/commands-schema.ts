/**
 * Commands from the center (signed-commands): the operator public keys this bank trusts, and
 * the limits it enforces whatever the center says. See bank/remote-commands.ts.
 */
import { z } from "zod";
import { eachKeyOnce, trustedKeySchema } from "./trusted-key-schema.js";

export const commandsSchema = z
  .object({
    /** Operator keys whose signatures this bank accepts; none: every central command is refused. */
    trustedKeys: z.array(trustedKeySchema).default([]),
    /** Remote door opens allowed per rolling hour, whatever central sends. */
    maxRemoteOpensPerHour: z.number().int().min(0).max(1000).default(6),
    /** How far the signer's clock and the bank's may differ. */
    clockSkewMs: z.number().int().min(0).max(3_600_000).default(120_000),
    /** A command valid for longer than this (expiresAt - issuedAt) is refused. */
    maxValidityMs: z.number().int().min(60_000).max(7 * 86_400_000).default(86_400_000),
  })
  .strict()
  .prefault({})
  .refine(eachKeyOnce, { message: "commands.trustedKeys lists a key twice" });

export type CommandsConfig = z.infer<typeof commandsSchema>;
