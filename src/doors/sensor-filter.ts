/**
 * The door sensors' filter, between the driver and the supervisor's state machine (supervisor.ts).
 * A change counts once the sensor has held still for sensorSettleMs. A sensor that changes more
 * than flapMaxChanges times within flapWindowMs is reported unstable (once); its changes are then
 * held until it has been quiet for a whole window, and only the position it settles on reaches
 * the state machine. Flapping is about changes nobody commanded: a change while an unlock is
 * under way (the door unlocking, or open for an operation) is not counted, and is never held: a
 * door that moved after an unlock is an opening (or its close), however quickly the same locker
 * is reused.
 */
import type { Clock, TimerHandle } from "../basics/ports.js";
import type { DoorPosition } from "../drivers/lock-bank.js";
import type { SupervisorSettings } from "./supervisor.js";

/** What the filter tells the supervisor. */
export interface SensorListener {
  /** More uncommanded changes than the limit within the window (once per episode). */
  unstable(lockerId: string, changes: number, windowMs: number): void;
  /** An unstable sensor has been quiet for a whole window and reads `position`. */
  settled(lockerId: string, position: DoorPosition): void;
  /** A change that counts; firstKnown: the door's position was unknown until now. */
  door(lockerId: string, position: DoorPosition, firstKnown: boolean): void;
}

interface SensorFilter {
  /** The position the state machine last acted on. */
  applied: DoorPosition;
  /** The latest raw position, waiting to settle. */
  pending: DoorPosition;
  timer: TimerHandle | null;
  /** Times of recent raw changes (within the flap window). */
  changes: number[];
  unstable: boolean;
  /** When the sensor last changed at all (raw). */
  lastRawAt?: number;
}

export class SensorFilters {
  private readonly sensors = new Map<string, SensorFilter>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: Pick<SupervisorSettings, "sensorSettleMs" | "flapWindowMs" | "flapMaxChanges">,
    private readonly on: SensorListener,
  ) {}

  /** Each sensor starts from where the driver reads its door now; what it reported before is dropped. */
  reset(doors: ReadonlyMap<string, DoorPosition>): void {
    for (const s of this.sensors.values()) s.timer?.cancel();
    this.sensors.clear();
    for (const [id, pos] of doors) this.sensors.set(id, { applied: pos, pending: pos, timer: null, changes: [], unstable: false });
  }

  /** A raw sensor change from the driver: counted (unless `commanded`, an unlock under way), then held until it settles. */
  change(lockerId: string, pos: DoorPosition, commanded: boolean): void {
    const s = this.sensors.get(lockerId) ?? { applied: "unknown", pending: pos, timer: null, changes: [], unstable: false };
    this.sensors.set(lockerId, s);
    const now = this.clock.now();
    const windowMs = this.settings.flapWindowMs ?? 10_000;
    s.pending = pos;
    s.changes = s.changes.filter((t) => now - t < windowMs);
    if (!commanded) s.changes.push(now);
    s.lastRawAt = now;
    if (!commanded && !s.unstable && s.changes.length > (this.settings.flapMaxChanges ?? 6)) {
      s.unstable = true;
      this.on.unstable(lockerId, s.changes.length, windowMs);
    }
    s.timer?.cancel();
    s.timer = null;
    const wait = s.unstable && !commanded ? windowMs : (this.settings.sensorSettleMs ?? 0);
    if (wait === 0) this.onSettled(lockerId, s);
    else s.timer = this.clock.after(wait, () => this.onSettled(lockerId, s));
  }

  /** A door shutting whose sensor is settling (not flapping): its close counts now. */
  settleClosingNow(lockerId: string): void {
    const sensor = this.sensors.get(lockerId);
    if (!sensor?.timer || sensor.pending !== "closed" || sensor.unstable) return;
    sensor.timer.cancel();
    this.onSettled(lockerId, sensor);
  }

  /** The door has just opened and its sensor is settling. */
  settlingOpen(lockerId: string): boolean {
    const sensor = this.sensors.get(lockerId);
    return !!sensor?.timer && sensor.pending === "open";
  }

  /** An operation adopted after a restart holds this door open: the state machine has acted on "open". */
  adoptOpen(lockerId: string): void {
    const sensor = this.sensors.get(lockerId);
    if (sensor) sensor.applied = "open";
  }

  /** Its hardware went offline: a change still settling is dropped. */
  drop(lockerId: string): void {
    const s = this.sensors.get(lockerId);
    s?.timer?.cancel();
    if (s) s.timer = null;
  }

  unstableLockers(): string[] {
    return [...this.sensors].filter(([, s]) => s.unstable).map(([id]) => id);
  }

  /** When the sensor last changed at all (raw), if it has since the start. */
  lastRawAt(lockerId: string): number | undefined {
    return this.sensors.get(lockerId)?.lastRawAt;
  }

  stop(): void {
    for (const s of this.sensors.values()) s.timer?.cancel();
  }

  private onSettled(lockerId: string, s: SensorFilter): void {
    s.timer = null;
    if (s.unstable) {
      s.unstable = false;
      s.changes = [];
      this.on.settled(lockerId, s.pending);
    }
    if (s.pending === s.applied) return;
    // "unknown" is only ever the start picture of a door whose hardware did not answer.
    const firstKnown = s.applied === "unknown";
    s.applied = s.pending;
    this.on.door(lockerId, s.pending, firstKnown);
  }
}
