/**
 * Everything a use case is handed: the store, time, randomness, code rules, the doors and
 * the bank's policy settings. Nothing here knows about HTTP, HID, serial or PostgreSQL.
 */
import type { Store } from "../store/store.js";
import type { AttemptRules } from "./attempts.js";
import type { CodeBook } from "./codes.js";
import type { ConfiguredCourier } from "./couriers.js";
import type { Clock, RandomSource } from "./ports.js";
import type { SizeScale } from "./sizes.js";

/** How the use cases ask for a door to be unlocked (the door supervisor implements it). */
export interface DoorCommander {
  /**
   * Pulse the lock of a locker for an intent already committed. Resolves once the command has
   * left for the hardware; rejects (DOOR_UNAVAILABLE) when the lock cannot be driven.
   */
  unlock(lockerId: string, intentId: number): Promise<void>;
  /** Lockers whose hardware cannot currently be driven (board offline, ...). */
  unavailableLockers(): ReadonlySet<string>;
  /**
   * Lockers whose door stands open with no operation under way (forced or left open): in an
   * alarm state, so never handed to a new parcel. A pickup there is still served.
   */
  openUnattended(): ReadonlySet<string>;
  /**
   * What a locker's IR "item present" sensor says: true = something is inside; null = no
   * sensor, or it cannot be read now. Absent: the bank has no such sensors.
   */
  itemPresent?(lockerId: string): boolean | null;
}

export interface BankPolicy {
  /** How long a stored parcel's code stays valid. */
  pickupWindowMs: number;
  /** After this many consecutive failed opens a locker is taken out of service. */
  maxFailedOpens: number;
  /** The attempt limiter's rules for codes and PINs: every pickup and PIN passes through them. */
  attempts: AttemptRules;
}

export interface BankContext {
  store: Store;
  clock: Clock;
  random: RandomSource;
  codes: CodeBook;
  sizes: SizeScale;
  doors: DoorCommander;
  policy: BankPolicy;
  /** Whether new assignments are paused (the disk is full); absent means never. */
  storage?: { assignmentsPaused(): boolean };
  /** The couriers in the configuration file (central's stored credentials can override them). */
  couriers?: readonly ConfiguredCourier[];
}
