/**
 * `lockerd-central pass-key`: make the service's pass key (--out FILE: Ed25519, mode 0600) or
 * show the public half of the configured passes.keyFile, as each bank's passes.trustedKeys
 * entry. A key of its own: never the commands key, never in the database.
 */
import { parseArgs } from "node:util";
import { writeNewKeyFile } from "../../signing/ed25519.js";
import type { CentralCommand } from "../service/commands.js";
import { loadPassKey, type PassSettings } from "./settings.js";

export const passKeyCommand: CentralCommand = {
  name: "pass-key",
  usage: "pass-key [--out FILE] [--name N]",
  summary: "make the pass key (--out; 0600) or show the configured one's public half for banks' passes.trustedKeys",
  needsDatabase: false,
  async run({ args, config }) {
    const { values } = parseArgs({ args, options: { out: { type: "string" }, name: { type: "string", default: "lockerd-central" }, config: { type: "string", short: "c" } } });
    let keyId: string;
    let publicKey: string;
    if (values.out) {
      const pk = writeNewKeyFile(values.out);
      ({ keyId, base64: publicKey } = pk);
      process.stdout.write(`Pass key written to ${values.out} (set passes.keyFile to it; keep it off the database host's backups).\n`);
    } else {
      const key = loadPassKey(config, (config.modules.passes ?? {}) as Pick<PassSettings, "keyFile">);
      if (!key) throw new Error("passes.keyFile is not set in the configuration (or give --out FILE to make a key)");
      ({ keyId, publicKeyBase64: publicKey } = key);
    }
    process.stdout.write(`Key id ${keyId}. Every bank's configuration lists it under passes.trustedKeys:\n\n  ${JSON.stringify({ name: values.name, publicKey })}\n`);
    return 0;
  },
};
