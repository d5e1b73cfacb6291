export interface UnlockOptions {
  pickup?: boolean;
}

/** How the use cases ask for a door to be unlocked (the door supervisor implements it). */
export interface DoorCommander {
  /**
   * Pulse the lock of a locker for an intent already committed. Resolves once the command has
   * left for the hardware; rejects (DOOR_UNAVAILABLE) when the lock cannot be driven.
   * opts.pickup: a customer collecting stands at the door; on a shared board bus their unlock
   * goes ahead of other unlocks waiting for the line.
   */
  unlock(lockerId: string, intentId: number, opts?: UnlockOptions): Promise<void>;
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
  /**
   * A customer is typing a code: an unlock is likely within the next second or two. The door
   * hardware keeps its bus free for it (no new status poll; bounded by the driver).
   */
  expectUnlock?(): void;
  /**
   * A customer's unlock is imminent (a whole code typed, a scan arriving): for up to holdMs the
   * door hardware starts nothing on its bus but a pickup's unlock. Ends when that unlock comes.
   */
  pickupImminent?(holdMs: number): void;
  /** The imminent unlock is not coming (entry cleared, not a pickup, pickup refused). */
  pickupNotComing?(): void;
}
