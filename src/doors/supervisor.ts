/**
 * The door supervisor: one state machine per locker (idle → unlocking → open → idle) that turns
 * driver facts into outcomes. It knows which unlock it sent, so a door that opens without one
 * is a forced door; it times the wait for a door to open and the time a door stays open.
 */
import type { Clock, TimerHandle } from "../bank/ports.js";
import { LockerdError } from "../bank/errors.js";
import type { DoorCommander } from "../bank/context.js";
import type { DoorPosition, LockBank } from "../drivers/lock-bank.js";

export interface DoorOutcomes {
  opened(lockerId: string, intentId: number): void;
  closed(lockerId: string, intentId: number): void;
  didNotOpen(lockerId: string, intentId: number): void;
  /** A door opened with no unlock: tamper. */
  forced(lockerId: string): void;
  /** A door has been open longer than the limit (repeats until it closes). */
  leftOpen(lockerId: string, openForMs: number): void;
  /** A door that was left open or forced is closed again. */
  closedAfterAlarm(lockerId: string): void;
  /** Lockers' hardware went offline or came back. */
  health(lockerIds: readonly string[], online: boolean, detail: string): void;
}

export interface SupervisorSettings {
  pulseMs: number;
  /** How long to wait for a door to open after an unlock. */
  openTimeoutMs: number;
  /** A door open longer than this raises an alarm, repeated every leftOpenRepeatMs. */
  leftOpenMs: number;
  leftOpenRepeatMs: number;
}

type Phase =
  | { kind: "idle" }
  | { kind: "unlocking"; intentId: number; timer: TimerHandle }
  | { kind: "open"; intentId: number | null; since: number; alarmed: boolean; timer: TimerHandle };

export class DoorSupervisor implements DoorCommander {
  private readonly phases = new Map<string, Phase>();
  private outcomes: DoorOutcomes | null = null;
  private readonly positionListeners = new Set<(lockerId: string, position: DoorPosition) => void>();

  constructor(
    private readonly bank: LockBank,
    private readonly clock: Clock,
    private readonly settings: SupervisorSettings,
    private readonly onError: (e: unknown, where: string) => void,
  ) {}

  /** Start the driver (outputs off first) and begin listening. */
  async start(outcomes: DoorOutcomes): Promise<void> {
    this.outcomes = outcomes;
    await this.bank.start({
      door: (id, pos) => this.onDoor(id, pos),
      health: (ids, online, detail) => this.safely("health", () => outcomes.health(ids, online, detail)),
    });
  }

  async unlock(lockerId: string, intentId: number): Promise<void> {
    if (this.bank.offline().has(lockerId)) {
      throw new LockerdError("DOOR_UNAVAILABLE", `the door of locker ${lockerId} cannot be reached right now`);
    }
    const phase = this.phase(lockerId);
    if (phase.kind === "open") {
      // Already open (a retry after the door opened): nothing to pulse.
      return;
    }
    if (phase.kind === "unlocking") phase.timer.cancel();
    this.phases.set(lockerId, {
      kind: "unlocking",
      intentId,
      timer: this.clock.after(this.settings.openTimeoutMs, () => this.onOpenTimeout(lockerId, intentId)),
    });
    try {
      await this.bank.unlock(lockerId, this.settings.pulseMs);
    } catch (e) {
      const now = this.phase(lockerId);
      if (now.kind === "unlocking" && now.intentId === intentId) {
        now.timer.cancel();
        this.phases.set(lockerId, { kind: "idle" });
      }
      throw new LockerdError("DOOR_UNAVAILABLE", `the lock of locker ${lockerId} could not be driven`, { cause: String(e) });
    }
  }

  /**
   * After a restart: an intent the database says is in progress. If the door is open now we
   * wait for it to close; the caller decides what a closed door means.
   */
  adoptOpen(lockerId: string, intentId: number): void {
    this.phases.set(lockerId, this.openPhase(lockerId, intentId));
  }

  /** Hear every door-sensor change as it happens (the API's live stream); returns the unsubscribe. */
  onPosition(listener: (lockerId: string, position: DoorPosition) => void): () => void {
    this.positionListeners.add(listener);
    return () => this.positionListeners.delete(listener);
  }

  unavailableLockers(): ReadonlySet<string> {
    return this.bank.offline();
  }

  doorOf(lockerId: string): DoorPosition | "unlocking" {
    if (this.phase(lockerId).kind === "unlocking") return "unlocking";
    return this.bank.doors().get(lockerId) ?? "unknown";
  }

  position(lockerId: string): DoorPosition {
    return this.bank.doors().get(lockerId) ?? "unknown";
  }

  async stop(): Promise<void> {
    for (const p of this.phases.values()) if (p.kind !== "idle") p.timer.cancel();
    this.phases.clear();
    await this.bank.stop();
  }

  private onDoor(lockerId: string, pos: DoorPosition): void {
    for (const l of this.positionListeners) this.safely("position", () => l(lockerId, pos));
    const phase = this.phase(lockerId);
    const outcomes = this.outcomes;
    if (!outcomes) return;
    if (pos === "open") {
      if (phase.kind === "unlocking") {
        phase.timer.cancel();
        this.phases.set(lockerId, this.openPhase(lockerId, phase.intentId));
        this.safely("opened", () => outcomes.opened(lockerId, phase.intentId));
      } else if (phase.kind === "idle") {
        this.phases.set(lockerId, { ...this.openPhase(lockerId, null), alarmed: true });
        this.safely("forced", () => outcomes.forced(lockerId));
      }
    } else if (pos === "closed" && phase.kind === "open") {
      phase.timer.cancel();
      this.phases.set(lockerId, { kind: "idle" });
      if (phase.intentId !== null) this.safely("closed", () => outcomes.closed(lockerId, phase.intentId!));
      if (phase.alarmed) this.safely("closedAfterAlarm", () => outcomes.closedAfterAlarm(lockerId));
    }
  }

  private onOpenTimeout(lockerId: string, intentId: number): void {
    const phase = this.phase(lockerId);
    if (phase.kind !== "unlocking" || phase.intentId !== intentId) return;
    this.phases.set(lockerId, { kind: "idle" });
    this.safely("didNotOpen", () => this.outcomes?.didNotOpen(lockerId, intentId));
  }

  private openPhase(lockerId: string, intentId: number | null): Phase & { kind: "open" } {
    const since = this.clock.now();
    const phase: Phase & { kind: "open" } = {
      kind: "open",
      intentId,
      since,
      alarmed: false,
      timer: this.clock.after(this.settings.leftOpenMs, () => this.onLeftOpen(lockerId, phase)),
    };
    return phase;
  }

  private onLeftOpen(lockerId: string, phase: Phase & { kind: "open" }): void {
    if (this.phases.get(lockerId) !== phase) return;
    phase.alarmed = true;
    this.safely("leftOpen", () => this.outcomes?.leftOpen(lockerId, this.clock.now() - phase.since));
    phase.timer = this.clock.after(this.settings.leftOpenRepeatMs, () => this.onLeftOpen(lockerId, phase));
  }

  private phase(lockerId: string): Phase {
    return this.phases.get(lockerId) ?? { kind: "idle" };
  }

  /** An outcome handler that throws (disk full, ...) must not kill the supervisor. */
  private safely(where: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.onError(e, where);
    }
  }
}
