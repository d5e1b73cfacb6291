/** Passes for tests: a pass key, passes signed with it, and the bank rules that trust it. */
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import type { PassRules } from "../../src/bank/passes.js";
import { publicOf } from "../../src/signing/ed25519.js";
import { signPass, type PassFields } from "../../src/signing/pass.js";

export interface PassIssuer {
  key: KeyObject;
  /** Base64 of the raw public key (passes.trustedKeys[].publicKey). */
  publicKey: string;
  rules(bankId: string, more?: Partial<Omit<PassRules, "trustedKeys" | "bankId">>): PassRules;
  /** A return pass for `bank` valid from now - 1 min for a week, one-time. */
  returnPass(now: number, more?: Partial<Omit<PassFields, "return">> & { return?: Partial<NonNullable<PassFields["return"]>> }): { text: string; fields: PassFields };
  courierPass(now: number, more?: Partial<PassFields>): { text: string; fields: PassFields };
  technicianPass(now: number, more?: Partial<PassFields>): { text: string; fields: PassFields };
}

const id = () => randomBytes(16).toString("hex");

export function passIssuer(): PassIssuer {
  const key = generateKeyPairSync("ed25519").privateKey;
  const pub = publicOf(key);
  const sign = (fields: PassFields) => ({ text: signPass(fields, key), fields });
  const window = (now: number, ms: number) => ({ notBefore: Math.floor((now - 60_000) / 1000) * 1000, notAfter: Math.floor((now + ms) / 1000) * 1000 });
  return {
    key,
    publicKey: pub.base64,
    rules: (bankId, more = {}) => ({
      bankId,
      trustedKeys: new Map([[pub.keyId, pub]]),
      clockGraceMs: 3_600_000,
      returns: { enabled: true, reservedPerSize: {} },
      ...more,
    }),
    returnPass: (now, more = {}) => {
      const { return: r, ...rest } = more;
      return sign({ kind: "return", passId: id(), banks: ["B1"], ...window(now, 7 * 86_400_000), oneTime: true, ...rest, return: { reference: "RMA-1", size: "S", carrier: "dhl", ...r } });
    },
    courierPass: (now, more = {}) => sign({ kind: "courier", passId: id(), banks: [], ...window(now, 12 * 3_600_000), oneTime: false, courier: { carrier: "dhl", courierId: "anna" }, ...more }),
    technicianPass: (now, more = {}) => sign({ kind: "technician", passId: id(), banks: ["B1"], ...window(now, 4 * 3_600_000), oneTime: false, technician: { technicianId: "tech-7" }, ...more }),
  };
}
