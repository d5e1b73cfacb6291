/**
 * Everything a use case is handed: the store, time, randomness, code rules, the doors and
 * the bank's policy settings. Nothing here knows about HTTP, HID, serial or PostgreSQL.
 */
import type { Store } from "../store/store.js";
import type { AttemptRules } from "./attempts.js";
import type { CodeBook } from "./codes.js";
import type { ConfiguredCourier } from "./couriers.js";
import type { EventData } from "../basics/events.js";
import type { Clock, RandomSource } from "../basics/ports.js";
import type { SizeScale } from "./sizes.js";
import type { DoorCommander } from "../doors/commander.js";
import type { PassRules } from "./passes.js";

export type { DoorCommander };

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
  /** Passes (issue 23): the keys, bank id and clock grace they are checked with; absent: every pass is refused. */
  passes?: PassRules;
  /**
   * Seals a parcel's plain code and QR token to the center's notifier key(s) (see
   * system/sealed-codes.ts) for the outbox. Absent (no sync, or no notifier key): the plain code
   * leaves the bank only in the assignment answer and is stored nowhere.
   */
  sealCodes?(parcelId: string, codes: { code: string; token: string }): EventData<"parcel.assigned">["sealedCodes"];
}
