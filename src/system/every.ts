import type { Logger } from "./logger.js";

/**
 * Run fn every ms, and at once when `now`; returns the stop. What fn throws, or the promise it
 * returns rejects with, is logged as `failed`: one failed run never stops the next.
 */
export function every(ms: number, fn: () => void | Promise<void>, log: Logger, failed: string, now = false): () => void {
  const run = () => {
    try {
      const done = fn();
      if (done instanceof Promise) done.catch((e: unknown) => log.error({ err: e }, failed));
    } catch (e) {
      log.error({ err: e }, failed);
    }
  };
  if (now) run();
  const timer = setInterval(run, ms);
  timer.unref();
  return () => clearInterval(timer);
}
