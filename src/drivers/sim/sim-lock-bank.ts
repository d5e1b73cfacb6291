/**
 * The simulated bank: lock outputs and door sensors in memory, and a simulated person who
 * opens an unlocked door and closes it again after configurable delays. Tests and the bank
 * page drive doors by hand through setDoor() when the person is switched off, and inject the
 * faults real banks have: a jammed door, a door left open, a forced door, a flapping sensor,
 * hardware that stops answering (setFault, forceOpen, setOnline, or `hardware.sim.faults`).
 * Why there are two simulated banks (this one and the other): README, "Two simulators, and why both".
 */
import { ConfigError } from "../../config/errors.js";
import type { SimFaultConfig } from "../../config/schema.js";
import type { DoorPosition, LockBank, LockBankListener } from "../lock-bank.js";

/**
 * A door's standing misbehaviour: jammed (never opens), left_open (the person never closes it),
 * flapping (sensor), refused (its board refuses the unlock, as a Modbus exception or WKLY FF would).
 */
export type SimDoorFault = "jammed" | "left_open" | "flapping" | "refused";

export interface SimBankOptions {
  lockerIds: readonly string[];
  /** A simulated person opens an unlocked door after openDelayMs and closes it after closeDelayMs. */
  person: { enabled: boolean; openDelayMs: number; closeDelayMs: number };
  /** Faults scheduled from the start of the bank (hardware.sim.faults). */
  faults?: readonly SimFaultConfig[];
  /** How fast a flapping sensor toggles. */
  flapIntervalMs?: number;
}

export class SimLockBank implements LockBank {
  readonly kind = "sim";
  /** Where each door physically is. */
  private readonly actual = new Map<string, DoorPosition>();
  /** What the sensors last reported (unknown while the hardware is offline). */
  private readonly positions = new Map<string, DoorPosition>();
  /** Lock outputs currently energised (a real bank's coils). */
  private readonly energised = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly offlineSet = new Set<string>();
  private readonly faults = new Map<string, SimDoorFault>();
  private readonly flappers = new Map<string, NodeJS.Timeout>();
  private listener: LockBankListener | null = null;
  private readonly reportCounts = new Map<string, number>();
  /** Every unlock pulse, for tests and the bank page. */
  readonly pulses: { lockerId: string; at: number; ms: number }[] = [];

  constructor(private readonly opts: SimBankOptions) {
    for (const id of opts.lockerIds) {
      this.actual.set(id, "closed");
      this.positions.set(id, "closed");
    }
    const unknown = (opts.faults ?? []).flatMap((f, i) => f.lockers.filter((id) => !this.actual.has(id)).map((id) => `hardware.sim.faults.${i}.lockers: no locker ${id} in the layout`));
    if (unknown.length) throw new ConfigError("configuration", unknown);
  }

  async start(listener: LockBankListener): Promise<void> {
    this.listener = listener;
    await this.allOff();
    for (const f of this.opts.faults ?? []) {
      if (f.atMs === 0) this.applyFault(f, true);
      else this.later(f.atMs, () => this.applyFault(f, true));
      if (f.forMs !== undefined) this.later(f.atMs + f.forMs, () => this.applyFault(f, false));
    }
  }

  async unlock(lockerId: string, pulseMs: number): Promise<void> {
    if (!this.actual.has(lockerId)) throw new Error(`sim: no locker ${lockerId}`);
    if (this.offlineSet.has(lockerId)) throw new Error(`sim: locker ${lockerId} is offline`);
    if (this.faults.get(lockerId) === "refused") throw Object.assign(new Error(`sim: the board refused to unlock ${lockerId}`), { code: "BOARD_REFUSED" });
    this.energised.add(lockerId);
    this.pulses.push({ lockerId, at: Date.now(), ms: pulseMs });
    this.later(pulseMs, () => this.energised.delete(lockerId));
    const person = this.opts.person;
    const fault = this.faults.get(lockerId);
    if (person.enabled && fault !== "jammed" && this.actual.get(lockerId) === "closed") {
      this.later(person.openDelayMs, () => {
        if (this.faults.get(lockerId) === "jammed") return;
        this.setDoor(lockerId, "open");
        if (this.faults.get(lockerId) === "left_open") return;
        this.later(person.closeDelayMs, () => {
          if (this.faults.get(lockerId) !== "left_open") this.setDoor(lockerId, "closed");
        });
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

  /** Where a door physically is (not what its sensor says). */
  actualDoor(lockerId: string): DoorPosition {
    return this.actual.get(lockerId) ?? "unknown";
  }

  faultOf(lockerId: string): SimDoorFault | null {
    return this.faults.get(lockerId) ?? null;
  }

  /** Move a door by hand (tests, the bank page). The sensor reports it unless offline or flapping. */
  setDoor(lockerId: string, position: DoorPosition): void {
    if (!this.actual.has(lockerId) || this.actual.get(lockerId) === position) return;
    this.actual.set(lockerId, position);
    if (!this.offlineSet.has(lockerId) && !this.flappers.has(lockerId)) this.report(lockerId, position);
  }

  /** Someone opens a door without an unlock (a crowbar): it stays open until setDoor(id, "closed"). */
  forceOpen(lockerId: string): void {
    this.setDoor(lockerId, "open");
  }

  /** Give lockers a standing fault, or clear it (null). A flapping sensor settles on the door's real position when cleared. */
  setFault(lockerIds: string | readonly string[], fault: SimDoorFault | null): void {
    for (const id of typeof lockerIds === "string" ? [lockerIds] : lockerIds) {
      if (!this.actual.has(id)) throw new Error(`sim: no locker ${id}`);
      if (fault) this.faults.set(id, fault);
      else this.faults.delete(id);
      if (fault === "flapping") this.startFlapping(id);
      else this.stopFlapping(id);
    }
  }

  /** Take lockers' hardware offline (a board that stops answering) or back online. */
  setOnline(lockerIds: readonly string[], online: boolean, detail = "simulated"): void {
    for (const id of lockerIds) {
      if (online) this.offlineSet.delete(id);
      else {
        this.offlineSet.add(id);
        this.positions.set(id, "unknown");
      }
    }
    this.listener?.health(lockerIds, online, detail);
    // Back online: the sensors report where the doors are now, whatever happened meanwhile.
    if (online) for (const id of lockerIds) if (!this.flappers.has(id)) this.report(id, this.actual.get(id) ?? "unknown");
  }

  async allOff(): Promise<void> {
    this.energised.clear();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.flappers.values()) clearInterval(t);
    this.flappers.clear();
    await this.allOff();
    this.listener = null;
  }

  private applyFault(f: SimFaultConfig, on: boolean): void {
    switch (f.kind) {
      case "offline":
        this.setOnline(f.lockers, !on, "simulated fault");
        return;
      case "forced":
        for (const id of f.lockers) this.setDoor(id, on ? "open" : "closed");
        return;
      default:
        this.setFault(f.lockers, on ? f.kind : null);
    }
  }

  /** How many changes a door's sensor has reported (flapping included). */
  sensorChanges(lockerId: string): number {
    return this.reportCounts.get(lockerId) ?? 0;
  }

  private report(lockerId: string, position: DoorPosition): void {
    if (this.positions.get(lockerId) === position) return;
    this.positions.set(lockerId, position);
    this.reportCounts.set(lockerId, this.sensorChanges(lockerId) + 1);
    this.listener?.door(lockerId, position);
  }

  private startFlapping(lockerId: string): void {
    if (this.flappers.has(lockerId)) return;
    const t = setInterval(() => {
      if (this.offlineSet.has(lockerId)) return;
      this.report(lockerId, this.positions.get(lockerId) === "open" ? "closed" : "open");
    }, this.opts.flapIntervalMs ?? 40);
    this.flappers.set(lockerId, t);
  }

  private stopFlapping(lockerId: string): void {
    const t = this.flappers.get(lockerId);
    if (!t) return;
    clearInterval(t);
    this.flappers.delete(lockerId);
    if (!this.offlineSet.has(lockerId)) this.report(lockerId, this.actual.get(lockerId) ?? "unknown");
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
