/**
 * The service's command key (commands.keyFile in lockerd-central's configuration), loaded once
 * per configuration. Every command a bank is sent is signed with it (bank-commands.ts): a bank
 * refuses any command whose signature does not verify with a key in its commands.trustedKeys.
 * The private key lives only in that file (mode 0600), never in the database.
 */
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { loadSigner, type Signer } from "../../signing/ed25519.js";
import type { ResolvedCentralConfig } from "./config.js";

/** The commands module's part of lockerd-central's configuration (key `commands`). */
export const commandKeySettingsSchema = z
  .object({
    /** The service's Ed25519 private key (PEM, mode 0600); relative to the configuration file. None: creating commands is refused (503). */
    keyFile: z.string().min(1).optional(),
    /** How long a command created here stays valid (default 10 minutes). */
    ttlSeconds: z.number().int().min(10).max(86_400).default(600),
    /** How long commands made in bulk (the notifier's deadline extensions) stay valid: a bank
     * offline for a while still gets them; at most the banks' commands.maxValidityMs (default 24 h). */
    bulkTtlSeconds: z.number().int().min(10).max(7 * 86_400).default(86_400),
  })
  .strict()
  .prefault({});

export type CommandKeySettings = z.infer<typeof commandKeySettingsSchema>;

const loaded = new WeakMap<ResolvedCentralConfig, Signer | null>();

/** The commands module's settings (parsed with the rest of the configuration). */
export function commandKeySettings(config: ResolvedCentralConfig): CommandKeySettings {
  // absent when the commands module is not composed in (some tests): no key, defaults
  return (config.modules.commands as CommandKeySettings | undefined) ?? commandKeySettingsSchema.parse(undefined);
}

/** The signer, or null when no key file is configured (then no command can be created). */
export function commandSigner(config: ResolvedCentralConfig): Signer | null {
  if (loaded.has(config)) return loaded.get(config)!;
  const file = commandKeySettings(config).keyFile;
  const signer = file ? loadSigner(isAbsolute(file) ? file : resolve(config.baseDir, file)) : null;
  loaded.set(config, signer);
  return signer;
}
