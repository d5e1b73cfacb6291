/**
 * The serial-line queue: one exchange at a time on the bus, and at least the inter-frame gap of
 * silence (3.5 character times) since the last byte moved in either direction before the next
 * frame goes out. Boards treat a frame that follows too closely as part of the previous one.
 *
 * Exchanges that unlock a door go first: when the line is free, the oldest waiting exchange of
 * the most urgent kind is chosen, whatever came first: a customer's pickup ("pickup"), then any
 * other unlock ("unlock": a courier's deposit, a technician's open), then "routine" (status
 * polls, all-off). An exchange already on the line is never cut short. Under load (doors
 * opened from the API as fast as the bus allows, polls every 100 ms) a customer's unlock
 * otherwise waited for every exchange queued before it; now it waits for the one in progress
 * and the other pickups ahead of it. Polls and deposits cannot be starved for long: unlocks
 * are bounded by the doors, pickups by the people at the keypad.
 */
export type LinePriority = "pickup" | "unlock" | "routine";

const RANK: Record<LinePriority, number> = { pickup: 0, unlock: 1, routine: 2 };

interface Waiting {
  priority: LinePriority;
  /** Runs the job and settles its promise; never rejects. */
  run(): Promise<void>;
}

export class LineQueue {
  private readonly waiting: Waiting[] = [];
  private pumping = false;
  private lastActivity = -Infinity;

  constructor(
    private readonly gapMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bytes moved on the line (sent or received): the gap counts from here. */
  noteActivity(): void {
    this.lastActivity = this.now();
  }

  /** Exchanges waiting for the line (not counting the one on it). */
  get length(): number {
    return this.waiting.length;
  }

  /** Run one exchange when the line is ours and has been quiet long enough. */
  run<T>(job: () => Promise<T>, priority: LinePriority = "routine"): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        priority,
        run: async () => {
          try {
            resolve(await job());
          } catch (e) {
            reject(e);
          } finally {
            this.noteActivity();
          }
        },
      };
      // behind every waiting exchange of the same or a more urgent kind, ahead of the rest
      const at = this.waiting.findIndex((w) => RANK[w.priority] > RANK[priority]);
      if (at < 0) this.waiting.push(entry);
      else this.waiting.splice(at, 0, entry);
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length) {
        for (;;) {
          const quietFor = this.now() - this.lastActivity;
          if (quietFor >= this.gapMs) break;
          await sleep(Math.ceil(this.gapMs - quietFor));
        }
        // chosen once the line is quiet: an unlock that came during the gap goes first
        await this.waiting.shift()!.run();
      }
    } finally {
      this.pumping = false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
