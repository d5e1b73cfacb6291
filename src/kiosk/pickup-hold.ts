/**
 * Keeping the door hardware's bus free for a customer's unlock that is about to come: a whole
 * code is typed (Enter is next), a scan has begun at the scanner, or the pickup is being checked
 * and committed. The bus then starts nothing but that pickup until it comes, the kiosk lets go
 * (entry cleared, not a pickup, refused), or the hold's time is up; the driver bounds every hold
 * and how long any other exchange waits because of them (drivers/serial/line-queue.ts).
 *
 * The times, and why:
 * - code: from the last digit to Enter. People press the next key within 0.2 to 1 s (the same
 *   ground as the supervisor's typing hold); an Enter later than that finds the bus as before.
 * - submit: from Enter (or the end of a scan) to the unlock reaching the bus: the check and the
 *   commit, milliseconds here, up to the 250 ms an SD card's flush may stall.
 * - scan: from a scan's first byte to its end being read: a 40-character line at 9,600 baud
 *   takes 42 ms, a keyboard-wedge scanner types it faster still.
 * While it lasts, a courier's door or a status poll waits: by at most a second here, 2 s at most
 * when holds follow one another (the line queue's own bound). The card is held too (no flush for
 * others starts: compose/durable-doors.ts), and the kiosk counts as busy for the API's requests
 * and the sync loop's writes (Kiosk.idle): the customer's Enter or CR finds the event loop free.
 */
import type { DoorCommander } from "../doors/commander.js";

export const PICKUP_HOLD_MS = { code: 1000, submit: 500, scan: 150 } as const;

export class PickupHold {
  private seq = 0;
  /** The hold this kiosk last asked for, while it may still stand. */
  private current: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly ended: (() => void)[] = [];

  constructor(private readonly doors: DoorCommander) {}

  /** Hold the bus for ms; the number names this hold for letGo. */
  hold(ms: number): number {
    if (!this.doors.pickupImminent) return 0;
    this.current = ++this.seq;
    this.doors.pickupImminent(ms);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.end(), ms);
    this.timer.unref();
    return this.current;
  }

  /** The unlock is not coming: release the hold, unless a newer one (the next customer's) stands. */
  letGo(which: number | null = this.current): void {
    if (this.current === null || which !== this.current) return;
    this.end();
    this.doors.pickupNotComing?.();
  }

  /** The pickup's unlock came (and ended the hold on the bus): nothing to release. */
  served(which: number): void {
    if (which === this.current) this.end();
  }

  /** A hold stands: the pickup is imminent. */
  get holding(): boolean {
    return this.current !== null;
  }

  /** null when no hold stands; otherwise resolves when it ends (served, let go or timed out). */
  standing(): Promise<void> | null {
    if (this.current === null) return null;
    return new Promise<void>((resolve) => this.ended.push(resolve));
  }

  private end(): void {
    this.current = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const done of this.ended.splice(0)) done();
  }
}
