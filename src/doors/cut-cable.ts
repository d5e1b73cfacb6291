/**
 * A cut door-sensor cable, guessed from what the sensors do (supervisor.ts acts on it): a
 * normally-closed switch whose wire is cut reads open forever. A door open with no operation
 * whose sensor then never changes for cutSuspectMs is suspected cut; so is every door of a burst
 * "opening" with no unlock at once (a cut harness or sensor common, not that many crowbars).
 * Reported once; the supervisor stops its left-open repeats and keeps the locker unavailable
 * until the sensor reads closed again.
 */
import type { Clock } from "../basics/ports.js";
import type { SupervisorSettings } from "./supervisor.js";

/** A door's open phase as the watch sees it (the same object while the door stays open). */
export interface OpenDoor {
  intentId: number | null;
  since: number;
  cutSuspected?: boolean;
}

export interface CutCableDeps {
  clock: Clock;
  settings: Pick<SupervisorSettings, "cutSuspectMs" | "forcedBurstMin" | "forcedBurstMs">;
  /** The locker's open phase now, or null when its door is not open. */
  openPhase(lockerId: string): OpenDoor | null;
  /** When its sensor last changed at all (raw). */
  lastRawAt(lockerId: string): number | undefined;
  /** Report a suspected cut cable (once per open phase). */
  suspected(lockerId: string, openForMs: number): void;
}

export class CutCableWatch {
  /** Doors seen opening with no unlock lately (forcedBurstMs). */
  private recentForced: { lockerId: string; at: number }[] = [];

  constructor(private readonly deps: CutCableDeps) {}

  /** A door open with nothing under way: checked once its sensor could have been silent for cutSuspectMs. */
  watch(lockerId: string, phase: OpenDoor): void {
    this.deps.clock.after(this.cutSuspectMs(), () => this.onCutCheck(lockerId, phase));
  }

  /**
   * Several doors "opening" with no unlock within forcedBurstMs is a wiring fault (a cut harness
   * or sensor common), not that many crowbars: from the forcedBurstMin-th on, every door of the
   * burst is a suspected cut cable (those already reported forced too), and no more forced alarms.
   */
  inForcedBurst(lockerId: string): boolean {
    const now = this.deps.clock.now();
    const windowMs = this.deps.settings.forcedBurstMs ?? 2000;
    this.recentForced = this.recentForced.filter((f) => now - f.at < windowMs && this.deps.openPhase(f.lockerId) !== null);
    this.recentForced.push({ lockerId, at: now });
    if (this.recentForced.length < (this.deps.settings.forcedBurstMin ?? 3)) return false;
    for (const f of this.recentForced) {
      const phase = this.deps.openPhase(f.lockerId);
      if (!phase || phase.intentId !== null || phase.cutSuspected) continue;
      phase.cutSuspected = true;
      this.deps.suspected(f.lockerId, now - phase.since);
    }
    return true;
  }

  private cutSuspectMs(): number {
    return this.deps.settings.cutSuspectMs ?? 600_000;
  }

  /** Still open with nothing under way, and the sensor silent all along: a cut cable, probably. */
  private onCutCheck(lockerId: string, phase: OpenDoor): void {
    if (this.deps.openPhase(lockerId) !== phase || phase.intentId !== null || phase.cutSuspected) return;
    const now = this.deps.clock.now();
    const lastRaw = this.deps.lastRawAt(lockerId) ?? 0;
    if (now - lastRaw < this.cutSuspectMs()) {
      // It moved (flapped, or went briefly shut and open again unsettled): not a dead wire; wait from its last change.
      this.deps.clock.after(Math.max(1, lastRaw + this.cutSuspectMs() - now), () => this.onCutCheck(lockerId, phase));
      return;
    }
    phase.cutSuspected = true;
    this.deps.suspected(lockerId, now - phase.since);
  }
}
