/**
 * The request/response matcher: at most one question is open on a half-duplex bus; a frame
 * that answers it resolves the wait, anything else is unsolicited (a late answer to an earlier
 * question, another device) and is reported as such, never taken for the answer.
 */

export class ReplyTimeoutError extends Error {
  readonly code = "REPLY_TIMEOUT";
  constructor(message: string) {
    super(message);
    this.name = "ReplyTimeoutError";
  }
}

interface Waiter {
  accept: (frame: Buffer) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class ReplyMatcher {
  private waiter: Waiter | null = null;

  /**
   * Wait for a frame that `accept` turns into a value (undefined = not the answer). Set up
   * before the question is written so an answer cannot arrive unnoticed.
   */
  expect<T>(accept: (frame: Buffer) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    if (this.waiter) throw new Error("a reply is already awaited on this line");
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        accept,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: setTimeout(() => {
          if (this.waiter === waiter) this.waiter = null;
          reject(new ReplyTimeoutError(`no answer to ${what} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiter = waiter;
    });
  }

  /** A frame arrived: true when it answered the open question. */
  offer(frame: Buffer): boolean {
    const w = this.waiter;
    if (!w) return false;
    const value = w.accept(frame);
    if (value === undefined) return false;
    clearTimeout(w.timer);
    this.waiter = null;
    w.resolve(value);
    return true;
  }

  /** Give up the open question (line closing). */
  cancel(err: Error): void {
    const w = this.waiter;
    if (!w) return;
    clearTimeout(w.timer);
    this.waiter = null;
    w.reject(err);
  }
}
