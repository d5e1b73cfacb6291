/**
 * The simulated bank: lock outputs and door sensors in memory, and a simulated person who
 * opens an unlocked door and closes it again after configurable delays. Tests and the bank
 * page drive doors by hand through open()/close() when the person is switched off.
 */
import type { DoorPosition, LockBank, LockBankListener } from "../lock-bank.js";

export interface SimBankOptions {
  lockerIds: readonly string[];
  /** A simulated person opens an unlocked door after openDelayMs and closes it after closeDelayMs. */
  person: { enabled: boolean; openDelayMs: number; closeDelayMs: number };
}

export class SimLockBank implements LockBank {
  readonly kind = "sim";
  private readonly positions = new Map<string, DoorPosition>();
  /** Lock outputs currently energised (a real bank's coils). */
  private readonly energised = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly offlineSet = new Set<string>();
  private listener: LockBankListener | null = null;
  /** Every unlock pulse, for tests and the bank page. */
  readonly pulses: { lockerId: string; at: number; ms: number }[] = [];

  constructor(private readonly opts: SimBankOptions) {
    for (const id of opts.lockerIds) this.positions.set(id, "closed");
  }

  async start(listener: LockBankListener): Promise<void> {
    this.listener = listener;
    await this.allOff();
  }

  async unlock(lockerId: string, pulseMs: number): Promise<void> {
    if (!this.positions.has(lockerId)) throw new Error(`sim: no locker ${lockerId}`);
    if (this.offlineSet.has(lockerId)) throw new Error(`sim: locker ${lockerId} is offline`);
    this.energised.add(lockerId);
    this.pulses.push({ lockerId, at: Date.now(), ms: pulseMs });
    this.later(pulseMs, () => this.energised.delete(lockerId));
    const person = this.opts.person;
    if (person.enabled && this.positions.get(lockerId) === "closed") {
      this.later(person.openDelayMs, () => {
        this.setDoor(lockerId, "open");
        this.later(person.closeDelayMs, () => this.setDoor(lockerId, "closed"));
      });
    }
  }

  doors(): ReadonlyMap<string, DoorPosition> {
    return this.positions;
  }

  offline(): ReadonlySet<string> {
    return this.offlineSet;
  }

  isEnergised(lockerId: string): boolean {
    return this.energised.has(lockerId);
  }

  energisedCount(): number {
    return this.energised.size;
  }

  /** Move a door by hand (tests, the bank page). */
  setDoor(lockerId: string, position: DoorPosition): void {
    if (!this.positions.has(lockerId) || this.positions.get(lockerId) === position) return;
    this.positions.set(lockerId, position);
    this.listener?.door(lockerId, position);
  }

  /** Take lockers' hardware offline or back online. */
  setOnline(lockerIds: readonly string[], online: boolean, detail = "simulated"): void {
    for (const id of lockerIds) {
      if (online) this.offlineSet.delete(id);
      else this.offlineSet.add(id);
    }
    this.listener?.health(lockerIds, online, detail);
  }

  async allOff(): Promise<void> {
    this.energised.clear();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.allOff();
    this.listener = null;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
