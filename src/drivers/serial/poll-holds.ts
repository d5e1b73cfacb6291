/**
 * When a board bank's status polls give way on the bus (BoardLockBank.holdPolls: a customer
 * typing, so the line is free when their unlock comes), and when they do not: a whole round of
 * reads still runs every MAX_POLL_HOLD_MS, and a board with a door unlocked and not yet read open
 * is read through holds, so a door opened and shut meanwhile is seen.
 */
import type { LockerWire } from "./wiring.js";

/**
 * However often polls are held (holdPolls: a customer typing, a vandal leaning on the keypad),
 * a whole round of reads still runs this often, so a forced door is seen within seconds.
 */
export const MAX_POLL_HOLD_MS = 3000;

/**
 * A door unlocked and not yet read open has its board read through poll holds (a customer
 * typing), for this long at most: a door opened and shut again between two reads is an
 * opening never seen (a pickup whose parcel was taken, reported as a jammed door). Four times
 * the default doors.openTimeoutMs (30 s); past it the board waits out holds like the others.
 */
export const AWAIT_OPEN_MAX_MS = 120_000;

export class PollHolds {
  /** No poll starts before this (hold)... */
  private heldUntil = 0;
  /** ...unless the last whole round is MAX_POLL_HOLD_MS old. */
  private lastWholeRoundAt = 0;
  /** Lockers unlocked and not yet read open, with when that stops mattering. */
  private readonly awaitingOpen = new Map<string, number>();

  hold(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, Date.now() + Math.min(ms, MAX_POLL_HOLD_MS));
  }

  /** A hold stands and the last whole round is recent. */
  held(): boolean {
    const now = Date.now();
    return now < this.heldUntil && now - this.lastWholeRoundAt < MAX_POLL_HOLD_MS;
  }

  /** Every board was read in a round. */
  wholeRound(): void {
    this.lastWholeRoundAt = Date.now();
  }

  /** The locker was unlocked: its board is read through holds until it reads open. */
  unlocked(lockerId: string): void {
    this.awaitingOpen.set(lockerId, Date.now() + AWAIT_OPEN_MAX_MS);
  }

  opened(lockerId: string): void {
    this.awaitingOpen.delete(lockerId);
  }

  /** One of these wires' doors is awaited to open (entries past AWAIT_OPEN_MAX_MS are dropped). */
  awaited(wires: readonly LockerWire[]): boolean {
    const now = Date.now();
    return wires.some((w) => {
      const until = this.awaitingOpen.get(w.lockerId);
      if (until !== undefined && until <= now) this.awaitingOpen.delete(w.lockerId);
      return until !== undefined && until > now;
    });
  }
}
