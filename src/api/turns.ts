/**
 * Requests take turns with the bank's own inputs. Each request's work (its write transaction,
 * its JSON) starts in a turn of the event loop of its own, one request a turn (setImmediate):
 * between two requests the loop polls its I/O, so a keypad report or a scan that arrives while
 * requests are queued is read, and its pickup committed and its door unlocked, before the next
 * request's work, not after every request read in the same poll. The external keypress
 * benchmark showed a customer's key waiting for the flood's commits one after another; now it
 * waits for the one under way. Requests keep their order and nothing is refused.
 *
 * The customer first: while the kiosk is acting for the person at the bank (a key, a scan, the
 * pickup they set off, until its unlock is handed to the lock hardware), no request's work
 * starts: on a saturated CPU (the Pi profile under load) every request run between the pickup's
 * steps made the person wait. A request waits at most FOREGROUND_MAX_WAIT_MS for it, so a kiosk
 * that never goes idle cannot stop the API.
 */
import type { RequestHandler } from "express";
import { GIVE_WAY_MAX_MS, giveWay, type Foreground } from "../basics/foreground.js";

export type { Foreground };

export const FOREGROUND_MAX_WAIT_MS = GIVE_WAY_MAX_MS;

export function oneRequestPerTurn(foreground?: Foreground): RequestHandler {
  const waiting: (() => void)[] = [];
  let scheduled = false;
  const schedule = () => {
    scheduled = true;
    setImmediate(turn);
  };
  const turn = () => {
    // the next request starts once the person's action is done (or the bound passed)
    const busy = giveWay(foreground, FOREGROUND_MAX_WAIT_MS);
    if (busy) void busy.then(run);
    else run();
  };
  const run = () => {
    const next = waiting.shift();
    scheduled = false;
    if (waiting.length > 0) schedule();
    next?.();
  };
  return (_req, _res, next) => {
    waiting.push(() => next());
    if (!scheduled) schedule();
  };
}
