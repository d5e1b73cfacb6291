/**
 * `Authorization: Pass <pass text>`: a technician pass (signing/pass.ts) makes its holder a
 * technician at this bank's API until the pass's notAfter, with no token set up on the bank.
 * Checked on every request (a revocation that arrives with sync counts from the next one).
 *
 * Flooding: a pass that is not ours (malformed, unknown key, bad signature) is answered 401 and
 * not recorded, as a wrong bearer token is not; a genuine pass refused (expired, revoked, another
 * bank, not a technician's) is recorded as pass.refused at most once per pass id per hour;
 * pass.used once per pass id per hour. Every pass technician is one attempt-limiter source
 * ("token:pass"), so passes add one source to the guessing bound, however many are issued.
 */
import type { BankContext } from "../bank/context.js";
import { passSubject, refusePass, type PassReason } from "../bank/passes.js";
import { verifyPass } from "../signing/pass.js";
import type { Caller } from "./auth.js";

const REMEMBER_MS = 3_600_000;
const MAX_REMEMBERED = 1000;

export function passCaller(ctx: BankContext): (text: string) => Caller | null {
  const seen = new Map<string, number>();
  const firstThisHour = (key: string): boolean => {
    const now = ctx.clock.now();
    const at = seen.get(key);
    if (at !== undefined && now - at < REMEMBER_MS) return false;
    if (seen.size >= MAX_REMEMBERED) seen.clear();
    seen.set(key, now);
    return true;
  };
  return (text) => {
    const rules = ctx.passes;
    if (!rules || rules.trustedKeys.size === 0) return null;
    const r = verifyPass(text, { trustedKeys: rules.trustedKeys, bankId: rules.bankId, now: ctx.clock.now(), clockSynced: ctx.clock.isSynchronised(), graceMs: rules.clockGraceMs });
    const fields = r.fields;
    if (!fields) return null; // not one of ours: nothing recorded
    let outcome: PassReason | "ok" = r.ok ? "ok" : r.reason;
    if (outcome === "ok" && fields.kind !== "technician") outcome = "wrong_kind";
    else if (outcome === "ok" && ctx.store.passes.isRevoked(fields.passId, passSubject(fields))) outcome = "revoked";
    if (firstThisHour(`${fields.passId}:${outcome}`)) {
      const now = ctx.clock.now();
      if (outcome === "ok") ctx.store.write(() => void ctx.store.record({ type: "pass.used", data: { passId: fields.passId, kind: fields.kind } }, now));
      else refusePass(ctx, outcome, fields);
    }
    return outcome === "ok" ? { name: "pass", role: "technician", pass: { holder: passSubject(fields)!, passId: fields.passId } } : null;
  };
}
