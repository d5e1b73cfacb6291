/**
 * The daemon's periodic sweep: parcels past their deadline expire, pass revocations and spent
 * passes that outlived their pass go, and keypad lockouts that ran out end their alarm. The
 * sweep and the kiosk write the one database, so once the kiosk runs each sweep gives way to
 * it (basics/foreground.ts): it starts when the kiosk is idle, or after GIVE_WAY_MAX_MS.
 */
import { limiterOf } from "../bank/attempts.js";
import type { BankContext } from "../bank/context.js";
import { expireDue } from "../bank/expiry.js";
import { prunePasses } from "../bank/passes.js";
import { GIVE_WAY_MAX_MS, giveWay, type Foreground } from "../basics/foreground.js";
import { every } from "../system/every.js";
import type { Logger } from "../system/logger.js";
import { span, spanStart } from "../system/trace.js";

export interface ExpirySweeps {
  /** From now on each sweep waits while this (the kiosk, once started) acts for a customer. */
  giveWayTo(foreground: Foreground): void;
  /** No sweep starts after this, not even one that was waiting for the customer. */
  stop(): void;
}

/** The first sweep runs at once (the kiosk has not started yet), then one every everyMs. */
export function startExpirySweeps(ctx: BankContext, everyMs: number, log: Logger): ExpirySweeps {
  let foreground: Foreground | undefined;
  let sweeping = true;
  const sweepAfterCustomer = () => {
    const busy = giveWay(foreground, GIVE_WAY_MAX_MS);
    if (!busy) return sweep(ctx, log);
    return busy.then(() => {
      if (sweeping) sweep(ctx, log);
    });
  };
  const stopTimer = every(everyMs, sweepAfterCustomer, log, "expiry sweep failed", true);
  return {
    giveWayTo: (f) => void (foreground = f),
    stop: () => {
      sweeping = false;
      stopTimer();
    },
  };
}

function sweep(ctx: BankContext, log: Logger): void {
  const start = spanStart();
  const expired = expireDue(ctx);
  if (expired.length) log.info({ count: expired.length }, "parcels expired");
  // pass revocations and spent passes are kept only until their pass would have expired anyway
  prunePasses(ctx);
  // keypad lockouts that ran out by themselves: the fleet's pickup_lockout alarm ends
  const lapsed = limiterOf(ctx).endRunOutAlarms();
  if (lapsed.length) log.info({ sources: lapsed }, "lockout alarms over: the lockouts ran out");
  span("sweep", start);
}
