/**
 * Everything a use case is handed: the store, time, randomness, code rules, the doors and
 * the bank's policy settings. Nothing here knows about HTTP, HID, serial or PostgreSQL.
 */
import type { Store } from "../store/store.js";
import type { CodeBook } from "./codes.js";
import type { ConfiguredCourier } from "./couriers.js";
import type { Clock, RandomSource } from "../basics/ports.js";
import type { SizeScale } from "./sizes.js";
import type { DoorCommander } from "../doors/commander.js";

export type { DoorCommander };

export interface BankPolicy {
  /** How long a stored parcel's code stays valid. */
  pickupWindowMs: number;
  /** After this many consecutive failed opens a locker is taken out of service. */
  maxFailedOpens: number;
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
