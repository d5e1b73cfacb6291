/**
 * Pickups whose door has not answered yet. A pickup's check, its commit and its unlock command
 * happen at once, in the kiosk queue's order; the board's answer (a CU16 confirms with a status
 * read, a board that does not answer takes retries × the reply timeout) is awaited here, outside
 * the queue, so the next person's code is not held behind someone else's door.
 */
export class DoorAnswers {
  private readonly pending = new Set<Promise<void>>();

  /** Keep `answer` (which must not reject) until it settles. */
  track(answer: Promise<void>): void {
    const tracked = answer.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Doors not yet answered. */
  get size(): number {
    return this.pending.size;
  }

  /** Resolves when every door tracked so far has answered. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}
