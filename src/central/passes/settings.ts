/**
 * The passes module's part of lockerd-central's configuration (key `passes`):
 *
 *   "passes": { "keyFile": "/etc/lockerd-central/passes.key", "courierMaxHours": 24 }
 *
 * The pass key is a key of its own (not the commands key): its public half goes into every
 * bank's passes.trustedKeys. Without one, issuing is refused (409 INVALID_STATE); listing and revoking work.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { loadSigner, type Signer } from "../../signing/ed25519.js";
import { readFileSync } from "node:fs";
import type { ResolvedCentralConfig } from "../service/config.js";

export const passSettingsSchema = z
  .object({
    /** The service's Ed25519 pass key (PEM, mode 0600); relative to the configuration file. Never in the database. */
    keyFile: z.string().min(1).optional(),
    /** A return pass's validity when the request names none. */
    returnDays: z.number().int().min(1).max(90).default(14),
    /** The longest a return pass may be valid. */
    returnMaxDays: z.number().int().min(1).max(366).default(30),
    /** A courier pass: default and longest validity (a shift, a day). Also how long a courier's revocation is kept at least. */
    courierHours: z.number().int().min(1).max(168).default(12),
    courierMaxHours: z.number().int().min(1).max(168).default(24),
    /** A technician pass: default and longest validity. */
    technicianHours: z.number().int().min(1).max(72).default(4),
    technicianMaxHours: z.number().int().min(1).max(72).default(12),
  })
  .strict()
  .refine((s) => s.returnDays <= s.returnMaxDays, { message: "returnDays must not exceed returnMaxDays", path: ["returnDays"] })
  .refine((s) => s.courierHours <= s.courierMaxHours, { message: "courierHours must not exceed courierMaxHours", path: ["courierHours"] })
  .refine((s) => s.technicianHours <= s.technicianMaxHours, { message: "technicianHours must not exceed technicianMaxHours", path: ["technicianHours"] })
  .prefault({});

export type PassSettings = z.infer<typeof passSettingsSchema>;

/** The pass key: its private half for signPass, its id and public half for the operator. */
export interface PassKey {
  keyId: string;
  publicKeyBase64: string;
  privateKey: KeyObject;
}

/** The key from passes.keyFile (refused when others may read it), or null when none is set. */
export function loadPassKey(config: Pick<ResolvedCentralConfig, "baseDir">, s: Pick<PassSettings, "keyFile">): PassKey | null {
  if (!s.keyFile) return null;
  const path = isAbsolute(s.keyFile) ? s.keyFile : resolve(config.baseDir, s.keyFile);
  // loadSigner checks the mode and that it is an Ed25519 key
  const signer: Signer = loadSigner(path);
  return { keyId: signer.keyId, publicKeyBase64: signer.publicKey.base64, privateKey: createPrivateKey(readFileSync(path, "utf8")) };
}
