/** The shapes lockerctl reads from the daemon (or builds from the database when it is down). */
import type { SyncStatus } from "../sync/state.js";
import type { ParcelView } from "../bank/queries.js";

export type { ParcelView };

export type LockerStatus = "AVAILABLE" | "RESERVED" | "OCCUPIED" | "OUT_OF_SERVICE";

export interface LockerView {
  id: string;
  size: string;
  status: LockerStatus;
  serviceReason: string | null;
  /** closed, open, unlocking, unknown (daemon down or sensor unknown). */
  door: string;
  parcelId: string | null;
  /** The IR "item present" sensor (null: none, or not readable now); absent when the daemon is down. */
  itemPresent?: boolean | null;
  /** The locker's hardware cannot be driven now (offline, unstable sensor, door standing open); absent when the daemon is down. */
  fault?: boolean;
}

export interface StatusView {
  lockers: LockerView[];
  available: Record<string, number>;
  counts: Record<string, Record<LockerStatus, number>>;
}

export interface EventView {
  seq: number | null;
  type: string;
  at: string;
  clockSynced?: boolean;
  lockerId: string | null;
  parcelId: string | null;
  data: Record<string, unknown>;
}

export interface EventsPage {
  events: EventView[];
  lastSeq: number;
}

/** GET /sync: the sync loop's status as the daemon answers it (an older daemon has no `attempts`). */
export type SyncView = Omit<SyncStatus, "attempts"> & { attempts?: number };
