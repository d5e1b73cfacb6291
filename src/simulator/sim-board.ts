/**
 * One simulated lock board: its door feedback inputs, IR "item present" inputs, a person who
 * opens a door some time after it is unlocked and closes it again, and the faults a real board
 * shows on a bus (silence, garbage, bad checksums, slow answers). Protocol-free: the responders
 * turn commands into calls on this and its state into reply bytes.
 */

export interface PersonSettings {
  enabled: boolean;
  openDelayMs: number;
  closeDelayMs: number;
}

export interface BoardBehaviour {
  /** Answers nothing (powered off, wrong address, A/B swapped). */
  silent: boolean;
  /** Answers with garbage instead of a frame. */
  garbage: boolean;
  /** Puts noise on the line before each answer (the answer itself is good). */
  noise: boolean;
  /** Answers with a wrong checksum. */
  badChecksum: boolean;
  /** Answers this many ms late. */
  delayMs: number;
  /** Answers with its last bytes cut off (a short frame). */
  truncated: boolean;
  /** Answers from another address (a second board set to the same DIP address, a wrong table). */
  wrongAddress: boolean;
  /** Refuses every command (a Modbus exception: "server device failure"). */
  refuse: boolean;
}

export type BoardChange =
  | { kind: "unlock"; board: number; channel: number }
  | { kind: "door"; board: number; channel: number; open: boolean }
  | { kind: "item"; board: number; channel: number; present: boolean };

export class SimBoard {
  readonly doorOpen: boolean[];
  readonly itemPresent: boolean[];
  /** Channels whose door stays shut whatever happens (a jammed lock). */
  readonly jammed = new Set<number>();
  readonly behaviour: BoardBehaviour = { silent: false, garbage: false, noise: false, badChecksum: false, delayMs: 0, truncated: false, wrongAddress: false, refuse: false };
  /** Outputs the board holds switched on now (relay boards; boards that only pulse hold none). */
  readonly energised = new Set<number>();
  /** Every board-timed pulse: channel and length (relay boards). */
  readonly pulses: { channel: number; ms: number }[] = [];
  private readonly pulseTimers = new Map<number, NodeJS.Timeout>();
  /** Every unlock the board carried out, in order (tests). */
  readonly unlocks: number[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly id: number,
    readonly channels: number,
    readonly person: PersonSettings,
    private readonly onChange: (c: BoardChange) => void = () => undefined,
  ) {
    this.doorOpen = Array.from({ length: channels }, () => false);
    this.itemPresent = Array.from({ length: channels }, () => false);
  }

  /** The board pulses the lock itself; a person (if any) then opens the door and later closes it. */
  unlock(channel: number): void {
    if (channel < 1 || channel > this.channels) return;
    this.unlocks.push(channel);
    this.onChange({ kind: "unlock", board: this.id, channel });
    if (!this.person.enabled || this.jammed.has(channel) || this.doorOpen[channel - 1]) return;
    this.later(this.person.openDelayMs, () => {
      this.setDoor(channel, true);
      this.later(this.person.closeDelayMs, () => this.setDoor(channel, false));
    });
  }

  /** A relay board's timed pulse: the output is on for ms, then off; the lock is released. */
  pulse(channel: number, ms: number): void {
    if (channel < 1 || channel > this.channels) return;
    this.pulses.push({ channel, ms });
    this.energised.add(channel);
    const before = this.pulseTimers.get(channel);
    if (before) clearTimeout(before);
    const t = setTimeout(() => {
      this.pulseTimers.delete(channel);
      this.energised.delete(channel);
    }, ms);
    this.pulseTimers.set(channel, t);
    this.unlock(channel);
  }

  /** Switch a relay on and hold it (what a careless command does; tests use it). */
  hold(channel: number): void {
    if (channel >= 1 && channel <= this.channels) this.energised.add(channel);
  }

  /** Every output off now. */
  allOutputsOff(): void {
    for (const t of this.pulseTimers.values()) clearTimeout(t);
    this.pulseTimers.clear();
    this.energised.clear();
  }

  setDoor(channel: number, open: boolean): void {
    if (channel < 1 || channel > this.channels || this.doorOpen[channel - 1] === open) return;
    this.doorOpen[channel - 1] = open;
    this.onChange({ kind: "door", board: this.id, channel, open });
  }

  setItem(channel: number, present: boolean): void {
    if (channel < 1 || channel > this.channels || this.itemPresent[channel - 1] === present) return;
    this.itemPresent[channel - 1] = present;
    this.onChange({ kind: "item", board: this.id, channel, present });
  }

  /** Bit i set when input i+1 is true. */
  static bits(values: readonly boolean[]): number {
    return values.reduce((acc, v, i) => (v ? acc | (1 << i) : acc), 0) >>> 0;
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.pulseTimers.values()) clearTimeout(t);
    this.pulseTimers.clear();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
