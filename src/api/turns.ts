/**
 * Requests take turns with the bank's own inputs. Each request's work (its write transaction,
 * its JSON) starts in a turn of the event loop of its own, one request a turn (setImmediate):
 * between two requests the loop polls its I/O, so a keypad report or a scan that arrives while
 * requests are queued is read, and its pickup committed and its door unlocked, before the next
 * request's work, not after every request read in the same poll. The external keypress
 * benchmark showed a customer's key waiting for the flood's commits one after another; now it
 * waits for the one under way. Requests keep their order and nothing is refused.
 */
import type { RequestHandler } from "express";

export function oneRequestPerTurn(): RequestHandler {
  const waiting: (() => void)[] = [];
  let scheduled = false;
  const turn = () => {
    const next = waiting.shift();
    scheduled = waiting.length > 0;
    if (scheduled) setImmediate(turn);
    next?.();
  };
  return (_req, _res, next) => {
    waiting.push(() => next());
    if (!scheduled) {
      scheduled = true;
      setImmediate(turn);
    }
  };
}
