/**
 * Returns at the bank: a customer shows a return pass; the smallest free locker that fits opens
 * (a reachable one first when the pass asks), never one that would leave fewer free than
 * returns.reservedPerSize keeps for deliveries; when the door closes the return is stored
 * (door-outcomes.ts: return.stored). The one-time pass is spent in the transaction that reserves
 * the locker and creates the door intent; if that door never opens the pass is given back.
 * Couriers collect returns for their carrier, one door at a time (collectReturn).
 */
import { LockerdError, isLockerdError } from "../basics/errors.js";
import { newParcelId } from "../basics/ids.js";
import { crashPoint } from "../system/crash-points.js";
import { pickLocker } from "./assign.js";
import type { BankContext } from "./context.js";
import { abortIntent } from "./door-outcomes.js";
import { checkPass, refusePass, spendPass } from "./passes.js";

export interface ReturnDrop {
  parcelId: string;
  lockerId: string;
  lockerSize: string;
  passId: string;
  reference: string;
  intentId: number;
}

export async function dropReturn(ctx: BankContext, passText: string): Promise<ReturnDrop> {
  const { fields } = checkPass(ctx, passText, ["return"]);
  const r = fields.return!;
  if (!ctx.passes?.returns.enabled) throw refusePass(ctx, "not_accepted", fields, "returns.enabled is false");
  if (!ctx.sizes.has(r.size)) throw refusePass(ctx, "not_accepted", fields, `size ${r.size} is not one of ${ctx.sizes.sizes.join(", ")}`);
  if (ctx.storage?.assignmentsPaused()) throw new LockerdError("STORAGE_FULL", "new assignments are paused because the bank's storage is full; pickups still work");
  const now = ctx.clock.now();
  let drop: ReturnDrop;
  try {
    drop = ctx.store.write((): ReturnDrop => {
      const locker = pickLocker(ctx, r.size, { reachable: r.reachable === true, keepFree: ctx.passes?.returns.reservedPerSize ?? {} });
      const parcelId = newParcelId(ctx.random);
      ctx.store.returns.insert({ id: parcelId, reference: r.reference, size: r.size, carrier: r.carrier, passId: fields.passId, lockerId: locker.id, createdAt: now });
      ctx.store.lockers.setStatus(locker.id, "RESERVED", null, now);
      const intentId = ctx.store.intents.create(locker.id, parcelId, "deposit", now);
      spendPass(ctx, fields, intentId, { lockerId: locker.id, parcelId }, now);
      return { parcelId, lockerId: locker.id, lockerSize: locker.size, passId: fields.passId, reference: r.reference, intentId };
    });
  } catch (e) {
    if (isLockerdError(e, "PASS_REFUSED")) throw refusePass(ctx, "used", fields);
    if (isLockerdError(e, "NO_LOCKER_AVAILABLE")) throw refusePass(ctx, "no_locker", fields, e.message);
    throw e;
  }
  crashPoint("return.committed");
  try {
    await ctx.doors.unlock(drop.lockerId, drop.intentId);
  } catch (e) {
    abortIntent(ctx, drop.intentId, "door_unavailable");
    throw e;
  }
  return drop;
}

/**
 * Open the locker of one stored return of this carrier (the oldest first unless one is named);
 * it is collected (return.collected) when its door opens, and the locker frees when it closes.
 */
export async function collectReturn(ctx: BankContext, carrier: string, parcelId?: string): Promise<{ parcelId: string; lockerId: string; reference: string }> {
  const now = ctx.clock.now();
  const { ret, intentId } = ctx.store.write(() => {
    const candidates = ctx.store.returns.storedFor(carrier).filter((x) => parcelId === undefined || x.parcelId === parcelId);
    const free = candidates.filter((x) => !ctx.store.intents.active(x.lockerId) && !ctx.doors.unavailableLockers().has(x.lockerId));
    const ret = free[0];
    if (!ret) {
      if (candidates.length > 0) throw new LockerdError("LOCKER_BUSY", `the lockers holding ${carrier}'s returns are busy or their doors do not answer`);
      throw new LockerdError("NOT_FOUND", `no return waits for carrier ${carrier}`);
    }
    const id = ctx.store.intents.create(ret.lockerId, ret.parcelId, "collect", now);
    return { ret, intentId: id };
  });
  try {
    await ctx.doors.unlock(ret.lockerId, intentId);
  } catch (e) {
    abortIntent(ctx, intentId, "unlock_failed");
    throw e;
  }
  return { parcelId: ret.parcelId, lockerId: ret.lockerId, reference: ret.reference };
}

