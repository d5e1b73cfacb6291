/**
 * The person at the bank comes first. While the kiosk acts for a customer (a key, a scan, the
 * pickup they set off, until its door answered), other work on the event loop gives way: the
 * API's requests (api/turns.ts), the sync loop's own writes (sync/loop.ts) and the expiry sweep
 * (compose/expiry-sweeps.ts) start after it, each waiting a bounded time, so a kiosk that never
 * goes idle cannot stop them.
 */

/** How long other work waits for the person at the bank, at most, each time it gives way. */
export const GIVE_WAY_MAX_MS = 200;

/** Work for the person at the bank that other work gives way to (the kiosk). */
export interface Foreground {
  /** null when idle; otherwise resolves when idle. */
  idle(): Promise<void> | null;
}

/**
 * null when the foreground is idle (or there is none), so a caller with nothing to wait for
 * goes on in the same turn; otherwise a promise that resolves when it is idle or after maxMs,
 * whichever comes first. Never rejects.
 */
export function giveWay(foreground: Foreground | undefined, maxMs: number): Promise<void> | null {
  const busy = foreground?.idle() ?? null;
  if (!busy) return null;
  return new Promise<void>((resolve) => {
    const bound = setTimeout(resolve, maxMs);
    const done = () => {
      clearTimeout(bound);
      resolve();
    };
    busy.then(done, done);
  });
}
