/**
 * The door supervisor: one state machine per locker (idle → unlocking → open → idle) that turns
 * driver facts into outcomes. It knows which unlock it sent, so a door that opens without one
 * is a forced door; it times the wait for a door to open and the time a door stays open.
 *
 * Sensor changes pass a settle filter first, which also tells a flapping sensor
 * (sensor-filter.ts).
 *
 * A door that stands open with no operation (forced open, or found open when the supervisor
 * starts) is an "open" phase without an intent. An unlock that meets such a door pulses
 * nothing: the intent takes over the open phase and is reported opened at once, so closing the
 * door completes it. Every intent the supervisor accepts thus ends in opened+closed, a timeout,
 * or a rejected unlock (which the caller aborts).
 *
 * Door truth: each accepted unlock keeps its evidence (the board's answer, the item sensor before
 * the pulse), handed with opened / didNotOpen; a rejected unlock says in details.outcome whether
 * the board refused or did not answer. A door open with no operation whose sensor then never
 * changes for cutSuspectMs is a suspected cut sensor cable (cut-cable.ts): reported once, its
 * left-open repeats stop, and it is unavailable until the sensor reads closed again.
 */
import type { Clock, TimerHandle } from "../basics/ports.js";
import { LockerdError } from "../basics/errors.js";
import type { DoorCommander, UnlockOptions } from "./commander.js";
import { PulseInProgressError, type DoorPosition, type LockBank } from "../drivers/lock-bank.js";
import { CutCableWatch } from "./cut-cable.js";
import { SensorFilters } from "./sensor-filter.js";
import { unlockFailureOf, type UnlockEvidence } from "./unlock-evidence.js";

/** Why an unlocked door was not seen to open: it stayed shut, or its hardware stopped answering. */
export type NotOpenedReason = "stayed_closed" | "hardware_offline";

/** A door seen opening with no unlock, or found open when its position is first known. */
export type ForcedHow = "opened" | "found_open";

export interface DoorOutcomes {
  /** evidence: absent when no pulse was sent (the intent took over a door already open, or was adopted). */
  opened(lockerId: string, intentId: number, evidence?: UnlockEvidence): void;
  closed(lockerId: string, intentId: number): void;
  didNotOpen(lockerId: string, intentId: number, reason: NotOpenedReason, evidence?: UnlockEvidence): void;
  /** A door open with no unlock whose sensor has not changed for cutSuspectMs: a cut cable, probably. */
  sensorCutSuspected?(lockerId: string, openForMs: number): void;
  /**
   * A door opened with no unlock: tamper. how = "found_open": the door's position was unknown
   * since the supervisor started (its hardware offline) and is open when first read, so it
   * opened unseen; what that means depends on what the locker should hold.
   */
  forced(lockerId: string, how: ForcedHow): void;
  /** A door has been open longer than the limit (repeats until it closes). */
  leftOpen(lockerId: string, openForMs: number): void;
  /** A door that was left open or forced is closed again. */
  closedAfterAlarm(lockerId: string): void;
  /** Lockers' hardware went offline or came back. */
  health(lockerIds: readonly string[], online: boolean, detail: string): void;
  /** A door sensor changed more than the limit within the window (reported once per episode). */
  sensorUnstable(lockerId: string, changes: number, windowMs: number): void;
  /** An unstable sensor has been quiet for a whole window and reads `position`. */
  sensorSettled(lockerId: string, position: DoorPosition): void;
}

export interface SupervisorSettings {
  pulseMs: number;
  /** How long to wait for a door to open after an unlock. */
  openTimeoutMs: number;
  /** A door open longer than this raises an alarm, repeated every leftOpenRepeatMs. */
  leftOpenMs: number;
  leftOpenRepeatMs: number;
  /** A sensor change counts once the sensor has held still this long (0: at once). */
  sensorSettleMs?: number;
  flapWindowMs?: number;
  flapMaxChanges?: number;
  /** An unattended open door whose sensor does not change this long is a suspected cut cable (default 10 min). */
  cutSuspectMs?: number;
  /** This many doors opening with no unlock within forcedBurstMs is a wiring fault (defaults 3, 2000). */
  forcedBurstMin?: number;
  forcedBurstMs?: number;
}

type Phase =
  | { kind: "idle" }
  | { kind: "unlocking"; intentId: number; timer: TimerHandle; pulsedAt: number; offline: boolean }
  | { kind: "open"; intentId: number | null; since: number; alarmed: boolean; timer: TimerHandle; cutSuspected?: boolean };

/**
 * How long after a customer's key the board bus is kept free for their unlock: people type a
 * digit every 0.2 to 1 s, so the bus stays free from their first digit to their Enter.
 */
const TYPING_HOLD_MS = 1500;

export class DoorSupervisor implements DoorCommander {
  private readonly phases = new Map<string, Phase>();
  private readonly sensors: SensorFilters;
  private readonly cutCables: CutCableWatch;
  private readonly evidence = new Map<number, UnlockEvidence>();
  private outcomes: DoorOutcomes | null = null;
  private started = false;

  private readonly positionListeners = new Set<(lockerId: string, position: DoorPosition) => void>();

  constructor(
    private readonly bank: LockBank,
    private readonly clock: Clock,
    private readonly settings: SupervisorSettings,
    private readonly onError: (e: unknown, where: string) => void,
  ) {
    this.sensors = new SensorFilters(clock, settings, {
      unstable: (lockerId, changes, windowMs) => this.safely("sensorUnstable", () => this.outcomes?.sensorUnstable(lockerId, changes, windowMs)),
      settled: (lockerId, position) => this.safely("sensorSettled", () => this.outcomes?.sensorSettled(lockerId, position)),
      door: (lockerId, position, firstKnown) => this.onDoor(lockerId, position, firstKnown),
    });
    this.cutCables = new CutCableWatch({
      clock,
      settings,
      openPhase: (lockerId) => {
        const phase = this.phases.get(lockerId);
        return phase?.kind === "open" ? phase : null;
      },
      lastRawAt: (lockerId) => this.sensors.lastRawAt(lockerId),
      suspected: (lockerId, openForMs) => this.safely("sensorCutSuspected", () => this.outcomes?.sensorCutSuspected?.(lockerId, openForMs)),
    });
  }

  /** Start the driver (outputs off first) and begin listening. */
  async start(outcomes: DoorOutcomes): Promise<void> {
    this.outcomes = outcomes;
    await this.bank.start({
      door: (id, pos) => this.onSensor(id, pos),
      health: (ids, online, detail) => this.onHealth(ids, online, detail),
    });
    // Where the doors are now is read once the driver is up; changes it reported while
    // starting are part of that picture, not events (reconciliation looks at it next).
    this.sensors.reset(this.bank.doors());
    for (const [id, pos] of this.bank.doors()) {
      // Open with nothing under way (reconciliation adopts the ones an intent owns): timed
      // for the left-open alarm and kept out of allocation like any unattended open door.
      if (pos === "open") this.phases.set(id, this.openPhase(id, null));
    }
    this.started = true;
  }

  async unlock(lockerId: string, intentId: number, opts: UnlockOptions = {}): Promise<void> {
    if (this.bank.offline().has(lockerId)) {
      throw new LockerdError("DOOR_UNAVAILABLE", `the door of locker ${lockerId} cannot be reached right now`, { outcome: "no_answer" });
    }
    // The door is shutting and its sensor settling: take the close now, so the unlock below
    // pulses instead of handing over a door the person can no longer reach.
    if (this.phase(lockerId).kind === "open") this.sensors.settleClosingNow(lockerId);
    const phase = this.phase(lockerId);
    if (phase.kind === "open") {
      if (phase.intentId === intentId) return; // a retry after the door opened: nothing to pulse
      if (phase.intentId !== null) throw busy(lockerId);
      if (phase.cutSuspected) {
        throw new LockerdError("DOOR_UNAVAILABLE", `the door sensor of locker ${lockerId} is suspected cut: it cannot tell whether the door opened`);
      }
      // The door already stands open with nothing under way: this intent takes it over.
      phase.intentId = intentId;
      this.safely("opened", () => this.outcomes?.opened(lockerId, intentId));
      return;
    }
    // One operation per door: a second intent would strand the first one's timeout.
    if (phase.kind === "unlocking" && phase.intentId !== intentId) throw busy(lockerId);
    const now = this.clock.now();
    if (phase.kind === "unlocking" && phase.intentId === intentId && now - phase.pulsedAt < this.settings.pulseMs) {
      // The same code entered twice while the lock is still energised: one pulse is enough.
      return;
    }
    if (phase.kind === "unlocking") phase.timer.cancel();
    const evidence: UnlockEvidence = { board: "awaited", itemBefore: this.itemPresent(lockerId), pulsedAt: now };
    this.evidence.set(intentId, evidence);
    this.phases.set(lockerId, {
      kind: "unlocking",
      intentId,
      pulsedAt: now,
      offline: false,
      timer: this.clock.after(this.settings.openTimeoutMs, () => this.onOpenTimeout(lockerId, intentId)),
    });
    try {
      const receipt = await this.bank.unlock(lockerId, this.settings.pulseMs, opts.pickup ? { pickup: true } : undefined);
      evidence.board = receipt ? receipt.board : "none_expected";
    } catch (e) {
      // The lock is still energised from this intent's last pulse: it is unlocked right now.
      if (e instanceof PulseInProgressError) return;
      const now = this.phase(lockerId);
      if (now.kind === "unlocking" && now.intentId === intentId) {
        now.timer.cancel();
        this.phases.set(lockerId, { kind: "idle" });
      }
      this.evidence.delete(intentId);
      const outcome = unlockFailureOf(e);
      const what = outcome === "board_refused" ? "its board refused the unlock" : "its board did not answer";
      throw new LockerdError("DOOR_UNAVAILABLE", `the lock of locker ${lockerId} could not be driven: ${what}`, { cause: String(e), outcome });
    }
  }

  /**
   * After a restart: an intent the database says is in progress. If the door is open now we
   * wait for it to close; the caller decides what a closed door means.
   */
  adoptOpen(lockerId: string, intentId: number): void {
    const before = this.phase(lockerId);
    if (before.kind !== "idle") before.timer.cancel();
    this.phases.set(lockerId, this.openPhase(lockerId, intentId));
    this.sensors.adoptOpen(lockerId);
  }

  /** Hear every door-sensor change as it happens (the API's live stream); returns the unsubscribe. */
  onPosition(listener: (lockerId: string, position: DoorPosition) => void): () => void {
    this.positionListeners.add(listener);
    return () => this.positionListeners.delete(listener);
  }

  /** Lockers whose hardware is offline or whose door sensor is unstable or suspected cut: no new parcels, no pickups. */
  unavailableLockers(): ReadonlySet<string> {
    const offline = this.bank.offline();
    const unstable = this.sensors.unstableLockers();
    for (const [id, p] of this.phases) if (p.kind === "open" && p.cutSuspected) unstable.push(id);
    return unstable.length ? new Set([...offline, ...unstable]) : offline;
  }

  expectUnlock(): void {
    this.bank.holdPolls?.(TYPING_HOLD_MS);
  }

  pickupImminent(holdMs: number): void {
    this.bank.holdLineForPickup?.(holdMs);
  }

  pickupNotComing(): void {
    this.bank.releaseLineHold?.();
  }

  /**
   * Lockers whose door stands open with no operation under way (forced, or found open
   * at start), including one whose sensor reads open and is still settling: not for a new parcel.
   */
  openUnattended(): ReadonlySet<string> {
    const open = new Set<string>();
    for (const [id, pos] of this.bank.doors()) if (pos === "open" && this.phase(id).kind === "idle") open.add(id);
    for (const [id, phase] of this.phases) if (phase.kind === "open" && phase.intentId === null) open.add(id);
    return open;
  }

  itemPresent(lockerId: string): boolean | null {
    return this.bank.items?.().get(lockerId) ?? null;
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
    this.evidence.clear();
    this.sensors.stop();
    await this.bank.stop();
  }

  /** A raw sensor change from the driver: to the filter, which knows whether an unlock is under way. */
  private onSensor(lockerId: string, pos: DoorPosition): void {
    if (pos === "unknown" || !this.started) return;
    const phase = this.phase(lockerId);
    this.sensors.change(lockerId, pos, phase.kind === "unlocking" || (phase.kind === "open" && phase.intentId !== null));
  }

  private onHealth(lockerIds: readonly string[], online: boolean, detail: string): void {
    if (!online) {
      for (const id of lockerIds) {
        const phase = this.phase(id);
        // An unlock whose door we can no longer see: if it times out, it is not the door's fault.
        if (phase.kind === "unlocking") phase.offline = true;
        this.sensors.drop(id);
      }
    }
    this.safely("health", () => this.outcomes?.health(lockerIds, online, detail));
  }

  private onDoor(lockerId: string, pos: DoorPosition, firstKnown = false): void {
    for (const l of this.positionListeners) this.safely("position", () => l(lockerId, pos));
    const phase = this.phase(lockerId);
    const outcomes = this.outcomes;
    if (!outcomes) return;
    if (pos === "open") {
      if (phase.kind === "unlocking") {
        phase.timer.cancel();
        this.phases.set(lockerId, this.openPhase(lockerId, phase.intentId));
        const evidence = this.takeEvidence(phase.intentId);
        this.safely("opened", () => outcomes.opened(lockerId, phase.intentId, evidence));
      } else if (phase.kind === "idle") {
        // The same object the left-open timer checks against (a copy would silence that alarm).
        const open = this.openPhase(lockerId, null);
        open.alarmed = true;
        this.phases.set(lockerId, open);
        // (found open when its board first answers: always a forced door, whatever else was found)
        if (!firstKnown && this.cutCables.inForcedBurst(lockerId)) return;
        this.safely("forced", () => outcomes.forced(lockerId, firstKnown ? "found_open" : "opened"));
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
    if (this.sensors.settlingOpen(lockerId)) {
      // The door has just opened and its sensor is settling: give it the settle time.
      phase.timer = this.clock.after(this.settings.sensorSettleMs ?? 0, () => this.onOpenTimeout(lockerId, intentId));
      return;
    }
    this.phases.set(lockerId, { kind: "idle" });
    const reason = phase.offline || this.bank.offline().has(lockerId) ? "hardware_offline" : "stayed_closed";
    const evidence = this.takeEvidence(intentId);
    this.safely("didNotOpen", () => this.outcomes?.didNotOpen(lockerId, intentId, reason, evidence));
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
    if (intentId === null) this.cutCables.watch(lockerId, phase);
    return phase;
  }

  private takeEvidence(intentId: number): UnlockEvidence | undefined {
    const e = this.evidence.get(intentId);
    this.evidence.delete(intentId);
    return e;
  }

  private onLeftOpen(lockerId: string, phase: Phase & { kind: "open" }): void {
    if (this.phases.get(lockerId) !== phase) return;
    // A suspected cut cable was reported as such; repeating "left open" would be a storm of false alarms.
    if (phase.cutSuspected) return;
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

function busy(lockerId: string): LockerdError {
  return new LockerdError("LOCKER_BUSY", `the door of locker ${lockerId} is in the middle of another operation`);
}
