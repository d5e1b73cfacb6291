/**
 * The serial-line queue: one exchange at a time on the bus, and at least the inter-frame gap of
 * silence (3.5 character times) since the last byte moved in either direction before the next
 * frame goes out. Boards treat a frame that follows too closely as part of the previous one.
 */

export class LineQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private lastActivity = -Infinity;

  constructor(
    private readonly gapMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bytes moved on the line (sent or received): the gap counts from here. */
  noteActivity(): void {
    this.lastActivity = this.now();
  }

  /** Run one exchange when the line is ours and has been quiet long enough. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      for (;;) {
        const quietFor = this.now() - this.lastActivity;
        if (quietFor >= this.gapMs) break;
        await sleep(Math.ceil(this.gapMs - quietFor));
      }
      try {
        return await job();
      } finally {
        this.noteActivity();
      }
    });
    // The next exchange waits for this one whatever its outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
