/**
 * Courier and technician passes: who they let in, for how long. A courier pass signs its holder
 * in at any bank it names without the bank holding their badge or PIN; the carrier is the
 * pass's. A technician pass unlocks technician actions (the keypad's lockout at the scanner, the
 * local API's technician role) until its notAfter. Either stops working the moment a revocation
 * for it arrives with sync, and at its notAfter (plus the clock grace while the clock is unsynced).
 */
import { LockerdError } from "../basics/errors.js";
import type { PassFields } from "../signing/pass.js";
import { limiterOf, pinSourceKey, sourceKey } from "./attempts.js";
import type { BankContext } from "./context.js";
import { checkPass, passSubject, refusePass, spendPass } from "./passes.js";
import type { PickupSource } from "./pickup.js";

export interface PassHolder {
  /** "carrier:courierId" for a courier (their courierId in session events), "technician/<id>". */
  id: string;
  carrier: string | null;
  passId: string;
  notAfter: number;
}

function holderOf(f: PassFields): PassHolder {
  return { id: passSubject(f)!, carrier: f.courier?.carrier ?? null, passId: f.passId, notAfter: f.notAfter };
}

/** A courier pass presented at the scanner: the session starts with the pass's use, in one transaction. */
export function courierByPass(ctx: BankContext, text: string): PassHolder {
  const { fields } = checkPass(ctx, text, ["courier"]);
  const holder = holderOf(fields);
  const now = ctx.clock.now();
  try {
    ctx.store.write(() => {
      spendPass(ctx, fields, null, {}, now);
      ctx.store.record({ type: "courier.session_started", data: { courierId: holder.id, via: "pass" } }, now);
    });
  } catch (e) {
    if (e instanceof LockerdError && e.code === "PASS_REFUSED") throw refusePass(ctx, "used", fields);
    throw e;
  }
  return holder;
}

/** Whether a pass-holder's session may go on: not revoked since, not past its window. */
export function passStillValid(ctx: BankContext, h: PassHolder): "active" | "revoked" | "expired" {
  if (ctx.store.passes.isRevoked(h.passId, h.id)) return "revoked";
  const grace = ctx.clock.isSynchronised() ? 0 : (ctx.passes?.clockGraceMs ?? 0);
  return ctx.clock.now() - grace >= h.notAfter ? "expired" : "active";
}

/** A technician pass (checked, used once per call, recorded). */
export function technicianByPass(ctx: BankContext, text: string): PassHolder {
  const { fields } = checkPass(ctx, text, ["technician"]);
  const now = ctx.clock.now();
  try {
    ctx.store.write(() => spendPass(ctx, fields, null, {}, now));
  } catch (e) {
    if (e instanceof LockerdError && e.code === "PASS_REFUSED") throw refusePass(ctx, "used", fields);
    throw e;
  }
  return holderOf(fields);
}

/**
 * The technician action at the kiosk: a technician pass shown at the scanner lifts the keypad's
 * lockouts (codes and PINs; see AttemptLimiter.clear). Returns how many were lifted.
 */
export function clearKeypadLockouts(ctx: BankContext, holder: PassHolder, keypad: PickupSource): number {
  const limiter = limiterOf(ctx);
  let cleared = 0;
  for (const source of [sourceKey(keypad), pinSourceKey(keypad)]) {
    try {
      limiter.clear(source, `pass:${holder.id}`);
      cleared++;
    } catch (e) {
      if (!(e instanceof LockerdError && e.code === "NOT_FOUND")) throw e;
    }
  }
  return cleared;
}
