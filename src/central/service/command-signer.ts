/**
 * The service's command key (commands.keyFile in lockerd-central's configuration), loaded once
 * per configuration. Every command a bank is sent is signed with it (bank-commands.ts): a bank
 * refuses any command whose signature does not verify with a key in its commands.trustedKeys.
 * The private key lives only in that file (mode 0600), never in the database.
 */
import { isAbsolute, resolve } from "node:path";
import { loadSigner, type Signer } from "../../signing/ed25519.js";
import type { ResolvedCentralConfig } from "./config.js";

export interface CommandKeySettings {
  keyFile?: string | undefined;
  ttlSeconds: number;
  bulkTtlSeconds: number;
}

const loaded = new WeakMap<ResolvedCentralConfig, Signer | null>();

/** The commands module's settings (parsed with the rest of the configuration). */
export function commandKeySettings(config: ResolvedCentralConfig): CommandKeySettings {
  // absent when the commands module is not composed in (some tests): no key, defaults
  return (config.modules.commands as CommandKeySettings | undefined) ?? { ttlSeconds: 600, bulkTtlSeconds: 86_400 };
}

/** The signer, or null when no key file is configured (then no command can be created). */
export function commandSigner(config: ResolvedCentralConfig): Signer | null {
  if (loaded.has(config)) return loaded.get(config)!;
  const file = commandKeySettings(config).keyFile;
  const signer = file ? loadSigner(isAbsolute(file) ? file : resolve(config.baseDir, file)) : null;
  loaded.set(config, signer);
  return signer;
}
