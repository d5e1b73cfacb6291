/**
 * No answer shows a commit that is not on disk. With durability deferred (store/wal-flush.ts) a
 * commit returns before the card has it; an answer written while commits are still in flight
 * (this request's own, or anyone's a read may show) waits for the flush, then goes out in the
 * order it was written. Live streams (server-sent events) go through the same gate. When the
 * flush fails the answer is never sent: the connection is cut, and the daemon stops.
 */
import type { RequestHandler, Response } from "express";

export interface Durability {
  durable(): Promise<void>;
  /** Commits not yet on disk. */
  readonly undurable: number;
}

export function answersAfterDurable(store: Durability): RequestHandler {
  return (_req, res, next) => {
    let chain: Promise<void> | null = null;
    const gate = <A extends unknown[], R>(send: (...args: A) => R, deferred: () => R) =>
      (...args: A): R => {
        if (chain === null && store.undurable === 0) return send(...args);
        chain = (chain ?? Promise.resolve())
          .then(() => store.durable())
          .then(
            () => void send(...args),
            (e: unknown) => void res.destroy(e instanceof Error ? e : new Error(String(e))),
          );
        return deferred();
      };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = gate(write, () => true) as Response["write"];
    res.end = gate(end, () => res) as Response["end"];
    next();
  };
}
