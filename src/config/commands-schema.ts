/**
 * Commands from the center (signed-commands): the operator public keys this bank trusts, and
 * the limits it enforces whatever the center says. See bank/remote-commands.ts.
 */
import { z } from "zod";
import { KeyError, publicKeyFromBase64 } from "../signing/ed25519.js";

const trustedKeySchema = z
  .object({
    /** Who holds the private key (shown by lockerctl, logged with refusals). */
    name: z.string().min(1).max(64),
    /** The Ed25519 public key: base64 of its 32 raw bytes (as `central-command keygen` prints it). */
    publicKey: z.string().superRefine((s, c) => {
      try {
        publicKeyFromBase64(s);
      } catch (e) {
        c.addIssue({ code: "custom", message: e instanceof KeyError ? e.message : String(e) });
      }
    }),
  })
  .strict();

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
  .refine((c) => new Set(c.trustedKeys.map((k) => k.publicKey)).size === c.trustedKeys.length, { message: "commands.trustedKeys lists a key twice" });

export type CommandsConfig = z.infer<typeof commandsSchema>;
