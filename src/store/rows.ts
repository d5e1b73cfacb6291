/** Row shapes as the store returns them (camelCase, numbers for times in epoch ms). */
export type LockerStatus = "AVAILABLE" | "RESERVED" | "OCCUPIED" | "OUT_OF_SERVICE";
export type ParcelStatus = "ASSIGNED" | "STORED" | "PICKED_UP" | "EXPIRED" | "CANCELLED";
export type IntentPurpose = "deposit" | "pickup" | "collect" | "technician";
export type IntentState = "pending" | "opened" | "closed" | "timed_out" | "aborted";

export interface LockerRow {
  id: string;
  size: string;
  sizeRank: number;
  position: number;
  status: LockerStatus;
  serviceReason: string | null;
  failedOpens: number;
  inLayout: boolean;
  updatedAt: number;
}

export interface ParcelRow {
  id: string;
  trackingRef: string | null;
  size: string;
  lockerId: string;
  status: ParcelStatus;
  inLocker: boolean;
  codeHash: Buffer | null;
  createdAt: number;
  expiresAt: number;
  storedAt: number | null;
  pickedUpAt: number | null;
  expiredAt: number | null;
  cancelledAt: number | null;
  removedAt: number | null;
  releasedAt: number | null;
}

export interface IntentRow {
  id: number;
  lockerId: string;
  parcelId: string | null;
  purpose: IntentPurpose;
  state: IntentState;
  createdAt: number;
  openedAt: number | null;
  finishedAt: number | null;
}

export interface EventRow {
  seq: number;
  type: string;
  at: number;
  clockSynced: boolean;
  lockerId: string | null;
  parcelId: string | null;
  data: Record<string, unknown>;
  sentAt: number | null;
}
