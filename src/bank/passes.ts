/**
 * Passes at the bank (signing/pass.ts): what every use of a pass checks before anything opens.
 * Offline, from the pass alone: the signature under a pass key this bank trusts, the bank, the
 * window against the bank's clock (widened by passes.clockGraceMs at both ends while the clock
 * is not known to be synchronised: a Pi without RTC can boot far from the truth). From SQLite:
 * not revoked (revocations arrive with sync), and a one-time pass not spent already (it is
 * spent in the transaction that creates the door intent it opens, see spendPass).
 * Every refusal is a pass.refused event and a PASS_REFUSED error whose message says why.
 */
import { LockerdError } from "../basics/errors.js";
import type { PassesConfig, ReturnsConfig } from "../config/passes-schema.js";
import { publicKeyFromBase64, type PublicKey } from "../signing/ed25519.js";
import { verifyPass, type PassFields, type PassKind, type PassRefusal } from "../signing/pass.js";
import type { BankContext } from "./context.js";

export interface PassRules {
  bankId: string;
  /** Key id → key (passes.trustedKeys). */
  trustedKeys: ReadonlyMap<string, PublicKey>;
  clockGraceMs: number;
  returns: { enabled: boolean; reservedPerSize: Readonly<Record<string, number>> };
}

/** The rules from the configuration (passes.*, returns.*, bank.id). */
export function passRulesFrom(cfg: { bank: { id: string }; passes: PassesConfig; returns: ReturnsConfig }): PassRules {
  const keys = new Map<string, PublicKey>();
  for (const k of cfg.passes.trustedKeys) {
    const pk = publicKeyFromBase64(k.publicKey);
    keys.set(pk.keyId, pk);
  }
  return { bankId: cfg.bank.id, trustedKeys: keys, clockGraceMs: cfg.passes.clockGraceMs, returns: { enabled: cfg.returns.enabled, reservedPerSize: cfg.returns.reservedPerSize } };
}

export type PassReason = PassRefusal | "revoked" | "used" | "wrong_kind" | "not_accepted" | "no_locker";

export interface VerifiedPass {
  fields: PassFields;
  keyId: string;
}

/** Whom a revocation by subject names: a courier's "carrier:courierId"; a technician's "technician/<id>". */
export function passSubject(f: PassFields): string | null {
  if (f.courier) return `${f.courier.carrier}:${f.courier.courierId}`;
  if (f.technician) return `technician/${f.technician.technicianId}`;
  return null;
}

const MESSAGES: Record<PassReason, string> = {
  malformed: "this is not a pass this bank can read",
  unknown_key: "this pass was not signed by a key this bank trusts",
  bad_signature: "this pass's signature does not match: it is forged or damaged",
  wrong_bank: "this pass is for another bank",
  not_yet_valid: "this pass is not valid yet",
  expired: "this pass has expired",
  revoked: "this pass has been revoked",
  used: "this pass has already been used",
  wrong_kind: "this pass does not allow that here",
  not_accepted: "this bank does not accept this kind of pass",
  no_locker: "no free locker fits this return now",
};

export function passRefused(reason: PassReason, detail?: string, f?: PassFields | null): LockerdError {
  return new LockerdError("PASS_REFUSED", detail ? `${MESSAGES[reason]} (${detail})` : MESSAGES[reason], { reason, ...(f ? { passId: f.passId, kind: f.kind } : {}) });
}

/** Record the refusal (its own transaction) and return the error to throw. */
export function refusePass(ctx: BankContext, reason: PassReason, f: PassFields | null, detail?: string): LockerdError {
  const now = ctx.clock.now();
  ctx.store.write(() => void ctx.store.record({ type: "pass.refused", data: { kind: f?.kind ?? null, passId: f?.passId ?? null, reason } }, now));
  return passRefused(reason, detail, f);
}

/**
 * Everything but spending: signature, bank, time, revocation, kind. Throws PASS_REFUSED (and
 * records pass.refused) on any failure.
 */
export function checkPass(ctx: BankContext, text: string, kinds: readonly PassKind[]): VerifiedPass {
  const rules = ctx.passes;
  if (!rules || rules.trustedKeys.size === 0) throw refusePass(ctx, "unknown_key", null, "passes.trustedKeys is empty");
  const now = ctx.clock.now();
  const r = verifyPass(text, { trustedKeys: rules.trustedKeys, bankId: rules.bankId, now, clockSynced: ctx.clock.isSynchronised(), graceMs: rules.clockGraceMs });
  if (!r.ok) throw refusePass(ctx, r.reason, r.fields ?? null);
  if (!kinds.includes(r.fields.kind)) throw refusePass(ctx, "wrong_kind", r.fields, `a ${r.fields.kind} pass`);
  if (ctx.store.passes.isRevoked(r.fields.passId, passSubject(r.fields))) throw refusePass(ctx, "revoked", r.fields);
  if (r.fields.oneTime && ctx.store.passes.spent(r.fields.passId)) throw refusePass(ctx, "used", r.fields);
  return { fields: r.fields, keyId: r.keyId };
}

/**
 * Inside the write transaction that creates the door intent the pass opens: a one-time pass is
 * spent there (the primary key refuses a second spend even from a racing request), and the use
 * is recorded. Throws PASS_REFUSED "used" (the transaction rolls back; the caller records).
 */
export function spendPass(ctx: BankContext, f: PassFields, intentId: number | null, ids: { lockerId?: string; parcelId?: string }, now: number): void {
  if (f.oneTime) {
    if (ctx.store.passes.spent(f.passId)) throw passRefused("used", undefined, f);
    ctx.store.passes.spend({ passId: f.passId, kind: f.kind, notAfter: f.notAfter + (ctx.passes?.clockGraceMs ?? 0), intentId }, now);
  }
  ctx.store.record({ type: "pass.used", lockerId: ids.lockerId ?? null, parcelId: ids.parcelId ?? null, data: { passId: f.passId, kind: f.kind } }, now);
}

/** Drop revocations and spent passes whose pass has expired anyway (with the clock grace: an unsynced clock may still accept it). */
export function prunePasses(ctx: BankContext): number {
  const cutoff = ctx.clock.now() - (ctx.passes?.clockGraceMs ?? 0);
  return ctx.store.write(() => ctx.store.passes.prune(cutoff), { redoable: true });
}
