/**
 * What a pass shown at the scanner does, by its kind (the kind read here only chooses the use
 * case; every check is the bank's, in bank/passes.ts): a return pass opens a locker for the
 * return, a courier pass signs its holder in, a technician pass lifts the keypad's lockouts.
 */
import type { BankContext } from "../bank/context.js";
import { clearKeypadLockouts, courierByPass, passStillValid, technicianByPass, type PassHolder } from "../bank/pass-sign-in.js";
import { checkPass } from "../bank/passes.js";
import type { PickupSource } from "../bank/pickup.js";
import { dropReturn } from "../bank/returns.js";
import { decodePass, type PassKind } from "../signing/pass.js";
import type { Logger } from "../system/logger.js";
import type { Standing } from "./couriers.js";

export type PassOutcome = { ok: true; kind: PassKind; holder: PassHolder | null } | { ok: false; error: unknown };

function claimedKind(text: string): PassKind | null {
  try {
    return decodePass(text).fields.kind;
  } catch {
    return null;
  }
}

export async function presentPass(ctx: BankContext, text: string, keypad: PickupSource, log: Logger): Promise<PassOutcome> {
  try {
    switch (claimedKind(text)) {
      case "return": {
        const r = await dropReturn(ctx, text);
        log.info({ lockerId: r.lockerId, parcelId: r.parcelId, passId: r.passId }, "return pass accepted; locker opening");
        return { ok: true, kind: "return", holder: null };
      }
      case "courier": {
        const holder = courierByPass(ctx, text);
        log.info({ courierId: holder.id, passId: holder.passId }, "courier pass accepted");
        return { ok: true, kind: "courier", holder };
      }
      case "technician": {
        const holder = technicianByPass(ctx, text);
        const cleared = clearKeypadLockouts(ctx, holder, keypad);
        log.info({ technician: holder.id, passId: holder.passId, lockoutsCleared: cleared }, "technician pass accepted at the scanner");
        return { ok: true, kind: "technician", holder };
      }
      case null:
        checkPass(ctx, text, []); // refuses it as malformed, recorded
        return { ok: false, error: new Error("unreachable: a malformed pass was accepted") };
    }
  } catch (error) {
    return { ok: false, error };
  }
}

/** A courier-pass session's standing: revoked (arrived with sync) or expired ends it. */
export function passStanding(ctx: BankContext, holder: PassHolder): Standing | "expired" {
  const s = passStillValid(ctx, holder);
  return s === "active" ? "active" : s;
}
