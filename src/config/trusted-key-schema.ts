/**
 * A public key the bank trusts for signatures from the center: the commands' operator keys
 * (commands-schema.ts) and the pass keys (passes-schema.ts) share this shape, each list its own.
 */
import { z } from "zod";
import { KeyError, publicKeyFromBase64 } from "../signing/ed25519.js";

export const trustedKeySchema = z
  .object({
    /** Who holds the private key (shown by lockerctl, logged with refusals). */
    name: z.string().min(1).max(64),
    /** The Ed25519 public key: base64 of its 32 raw bytes (as `central-command keygen` or `lockerd-central pass-key` prints it). */
    publicKey: z.string().superRefine((s, c) => {
      try {
        publicKeyFromBase64(s);
      } catch (e) {
        c.addIssue({ code: "custom", message: e instanceof KeyError ? e.message : String(e) });
      }
    }),
  })
  .strict();

/** No public key listed twice (a refine of the schema that holds `trustedKeys`). */
export function eachKeyOnce(c: { trustedKeys: readonly { publicKey: string }[] }): boolean {
  return new Set(c.trustedKeys.map((k) => k.publicKey)).size === c.trustedKeys.length;
}
