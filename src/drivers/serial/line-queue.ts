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
 *
 * Held for a pickup (holdForPickup): a customer's unlock is imminent (a whole code typed, a scan
 * arriving), so no exchange but a pickup starts until the pickup arrives, the hold is released,
 * or its time is up; the unlock then finds the line free instead of behind the one exchange that
 * started just before it (7 to 12 ms). However often holds come (a scanner sending garbage
 * line after line, a vandal at the keypad), the line is held against waiting exchanges for
 * MAX_HELD_WAIT_MS in a row at most; then everything waiting goes and holds are refused for
 * HOLD_PAUSE_MS, so no exchange waits longer than MAX_HELD_WAIT_MS because of holds and a whole
 * round of polls still gets through.
 */
import type { Clock } from "../../basics/ports.js";

export type LinePriority = "pickup" | "unlock" | "routine";

const RANK: Record<LinePriority, number> = { pickup: 0, unlock: 1, routine: 2 };

/** The longest one hold lasts, whatever is asked. */
export const MAX_LINE_HOLD_MS = 1000;
/**
 * The longest the line is held in a row (holds may follow one another: a complete code, then its
 * Enter; garbage scans): a deposit's door or a poll is late by at most this because of holds.
 */
export const MAX_HELD_WAIT_MS = 2000;
/** After holds that lasted MAX_HELD_WAIT_MS in a row, none is taken for this long. */
export const HOLD_PAUSE_MS = 1000;

export type QueueClock = Pick<Clock, "now" | "after">;

const MONOTONIC: QueueClock = {
  now: () => performance.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

interface Waiting {
  priority: LinePriority;
  /** Runs the job and settles its promise; never rejects. */
  run(): Promise<void>;
}

export class LineQueue {
  private readonly waiting: Waiting[] = [];
  private pumping = false;
  private lastActivity = -Infinity;
  /** Only pickups start before this (holdForPickup)... */
  private heldUntil = -Infinity;
  /** ...held since this, without a break (a pickup, a release, a hold running out)... */
  private heldSince = -Infinity;
  /** ...and no hold is taken before this (HOLD_PAUSE_MS). */
  private holdsPausedUntil = -Infinity;
  /** Wakes the pump waiting out a hold (a pickup came, the hold was released). */
  private wake: (() => void) | null = null;

  constructor(
    private readonly gapMs: number,
    private readonly clock: QueueClock = MONOTONIC,
  ) {}

  /** Bytes moved on the line (sent or received): the gap counts from here. */
  noteActivity(): void {
    this.lastActivity = this.clock.now();
  }

  /** Exchanges waiting for the line (not counting the one on it). */
  get length(): number {
    return this.waiting.length;
  }

  /** Whether only pickups may start now. */
  get held(): boolean {
    return this.clock.now() < this.heldUntil;
  }

  /**
   * A customer's unlock is imminent: for up to ms (at most MAX_LINE_HOLD_MS from now) start no
   * exchange but a pickup. Ends early when a pickup is queued or release() is called.
   */
  holdForPickup(ms: number): void {
    const now = this.clock.now();
    if (!(ms > 0) || now < this.holdsPausedUntil) return;
    if (now >= this.heldUntil) this.heldSince = now;
    this.heldUntil = Math.max(this.heldUntil, now + Math.min(ms, MAX_LINE_HOLD_MS));
  }

  /** The unlock is not coming (the entry was cleared, the scan was not a pickup): the line is everyone's again. */
  release(): void {
    this.heldUntil = -Infinity;
    this.wake?.();
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
      // the unlock the hold was kept for has come: it is first in line, and the hold is over
      if (priority === "pickup") this.release();
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length) {
        for (;;) {
          const quietFor = this.clock.now() - this.lastActivity;
          if (quietFor >= this.gapMs) break;
          await this.sleep(Math.ceil(this.gapMs - quietFor));
        }
        // chosen once the line is quiet: an unlock that came during the gap goes first
        const next = this.next();
        if (typeof next === "number") await this.sleep(next, true);
        else await next.run();
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The exchange to start now, or how long to wait for one (the line is held). */
  private next(): Waiting | number {
    const now = this.clock.now();
    const first = this.waiting[0]!;
    if (now >= this.heldUntil || first.priority === "pickup") return this.waiting.shift()!;
    if (now - this.heldSince >= MAX_HELD_WAIT_MS) {
      // held too long in a row: everything waiting goes, and holds pause
      this.heldUntil = -Infinity;
      this.holdsPausedUntil = now + HOLD_PAUSE_MS;
      return this.waiting.shift()!;
    }
    return Math.max(1, Math.min(this.heldUntil, this.heldSince + MAX_HELD_WAIT_MS) - now);
  }

  /** wakeable: release() or a pickup's arrival ends the wait early. */
  private sleep(ms: number, wakeable = false): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.after(ms, () => {
        if (wakeable) this.wake = null;
        resolve();
      });
      if (!wakeable) return;
      this.wake = () => {
        this.wake = null;
        timer.cancel();
        resolve();
      };
    });
  }
}
