/**
 * The one interface every lock/sensor driver implements (GPIO, RS-485 boards, simulated).
 * Drivers speak locker ids (the layout maps ids to channels when the driver is built) and
 * report facts only: "door A03 is open", "board 1 stopped answering". What a fact means is
 * the door supervisor's business.
 */
import type { DoorPosition } from "../basics/door-position.js";
export type { DoorPosition };

export interface LockBankListener {
  /** A door's sensor changed (debounced by the driver where the hardware needs it). */
  door(lockerId: string, position: DoorPosition): void;
  /** Some lockers' hardware became unreachable (online=false) or reachable again. */
  health(lockerIds: readonly string[], online: boolean, detail: string): void;
}

/**
 * What a board said to an unlock: "acknowledged" = it answered the command itself (0x8A/0x80,
 * Modbus echo, WKLY); "status_read" = the protocol has no answer, and a status read right after
 * showed the board there (CU16, WKLY silent firmware).
 */
export interface UnlockReceipt {
  board: "acknowledged" | "status_read";
}

export interface LockBank {
  /** "sim", "gpio", "cu16", "8a80", "modbus-relay", "wkly". */
  readonly kind: string;
  /** Open the hardware. All outputs are switched off before anything else. */
  start(listener: LockBankListener): Promise<void>;
  /**
   * Pulse one lock for pulseMs. The pulse is bounded by the board itself or by a timer that
   * cannot be skipped; resolves once the command has left, rejects when it could not be sent
   * (a board's refusal carries code "BOARD_REFUSED", an unanswered command "REPLY_TIMEOUT").
   * Resolves with what the board answered where the protocol answers; nothing where no answer
   * exists (GPIO, the in-process simulator). opts.pickup: a customer collecting waits at the
   * door; a driver with a shared bus sends it ahead of other unlocks waiting for the line.
   */
  unlock(lockerId: string, pulseMs: number, opts?: { pickup?: boolean }): Promise<UnlockReceipt | void>;
  /** Last known position of every door. */
  doors(): ReadonlyMap<string, DoorPosition>;
  /** Lockers whose hardware is currently unreachable. */
  offline(): ReadonlySet<string>;
  /**
   * Optional capability: the IR "item present" sensors, true = something is inside. Only
   * lockers with a sensor that can be read now are in the map (none: no sensor, or offline).
   */
  items?(): ReadonlyMap<string, boolean>;
  /**
   * Optional capability: an unlock is expected within `ms` (a customer is typing a code): start
   * no new status poll until then, so the unlock finds the bus free instead of waiting for an
   * exchange. The driver bounds it: a whole poll round still runs every few seconds.
   */
  holdPolls?(ms: number): void;
  /**
   * Optional capability: a customer's unlock is imminent (a whole code typed, a scan arriving):
   * for up to ms start nothing on a shared bus but a pickup's unlock (no poll, no other unlock),
   * so the pickup does not wait for an exchange that started just before it. Ends when the
   * pickup's unlock comes or releaseLineHold() is called; the driver bounds the hold and how
   * long anything waits because of it, and never cuts short an exchange under way.
   */
  holdLineForPickup?(ms: number): void;
  /** The imminent unlock is not coming (the entry was cleared, the scan was not a pickup). */
  releaseLineHold?(): void;
  /** Switch every output off now. */
  allOff(): Promise<void>;
  /** All outputs off, then release the hardware. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A driver's refusal to start a pulse on a lock that is still energised (a stalled event loop
 * can leave the previous one running past its time). The lock is open right now, so the caller
 * has what it asked for.
 */
export class PulseInProgressError extends Error {
  constructor(readonly lockerId: string) {
    super(`locker ${lockerId} is already being pulsed`);
    this.name = "PulseInProgressError";
  }
}
