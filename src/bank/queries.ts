/** Read-only views of the bank: availability, lockers, parcels. Codes never leave here. */
import type { LockerRow, ParcelRow } from "../store/rows.js";
import type { BankContext } from "./context.js";
import { LockerdError } from "../basics/errors.js";

export interface LockerView {
  id: string;
  size: string;
  status: LockerRow["status"];
  serviceReason: string | null;
  door: string;
  parcelId: string | null;
  /** The locker's hardware cannot be driven now (offline, unstable sensor). */
  fault: boolean;
  /** The IR "item present" sensor: true = something inside; null = no sensor or not readable now. */
  itemPresent: boolean | null;
  /** What holds the locker: a delivery, a return (issue 23), or nothing. */
  holds: "delivery" | "return" | null;
}

export interface Availability {
  lockers: LockerView[];
  available: Record<string, number>;
  counts: Record<string, Record<LockerRow["status"], number>>;
}

export function availability(ctx: BankContext, doorOf: (lockerId: string) => string): Availability {
  // What assign would hand out: not behind offline or unstable hardware, not standing open.
  const unavailable = new Set([...ctx.doors.unavailableLockers(), ...ctx.doors.openUnattended()]);
  return countAvailability({
    lockers: ctx.store.lockers.list(),
    sizes: ctx.sizes.sizes,
    parcelIn: (lockerId) => ctx.store.parcels.inLocker(lockerId)?.id ?? null,
    unavailable,
    doorOf,
    itemOf: (lockerId) => ctx.doors.itemPresent?.(lockerId) ?? null,
    returnIds: ctx.store.returns.inLockerIds(),
  });
}

/** One locker as availability() shows it. */
export function lockerStatus(ctx: BankContext, lockerId: string, doorOf: (lockerId: string) => string): LockerView {
  const view = availability(ctx, doorOf).lockers.find((l) => l.id === lockerId);
  if (!view) throw new LockerdError("LOCKER_NOT_FOUND", `no locker ${lockerId}`);
  return view;
}

/**
 * The pure part of availability(): per-size counts and locker views from the rows. The daemon
 * passes what its door supervisor knows; the CLI's read-only fallback knows no hardware state.
 */
export function countAvailability(input: {
  lockers: readonly LockerRow[];
  sizes: readonly string[];
  parcelIn: (lockerId: string) => string | null;
  unavailable: ReadonlySet<string>;
  doorOf: (lockerId: string) => string;
  /** IR sensors (absent: none known, e.g. the CLI's read-only fallback). */
  itemOf?: (lockerId: string) => boolean | null;
  /** Parcel ids that are returns (absent: a database from before returns). */
  returnIds?: ReadonlySet<string>;
}): Availability {
  const itemOf = input.itemOf ?? (() => null);
  const { lockers, unavailable } = input;
  const available: Record<string, number> = {};
  const counts: Availability["counts"] = {};
  for (const s of input.sizes) {
    available[s] = 0;
    counts[s] = { AVAILABLE: 0, RESERVED: 0, OCCUPIED: 0, OUT_OF_SERVICE: 0 };
  }
  for (const l of lockers) {
    counts[l.size] ??= { AVAILABLE: 0, RESERVED: 0, OCCUPIED: 0, OUT_OF_SERVICE: 0 };
    counts[l.size]![l.status]++;
    // Free, drivable, and not holding something left behind: what assign would hand out.
    if (l.status === "AVAILABLE" && !unavailable.has(l.id) && itemOf(l.id) !== true) available[l.size] = (available[l.size] ?? 0) + 1;
  }
  return {
    lockers: lockers.map((l) => {
      const parcelId = input.parcelIn(l.id);
      return {
        id: l.id,
        size: l.size,
        status: l.status,
        serviceReason: l.serviceReason,
        door: input.doorOf(l.id),
        parcelId,
        fault: unavailable.has(l.id),
        itemPresent: itemOf(l.id),
        holds: parcelId === null ? null : input.returnIds?.has(parcelId) ? "return" : "delivery",
      };
    }),
    available,
    counts,
  };
}

export interface ParcelView {
  parcelId: string;
  trackingRef: string | null;
  size: string;
  lockerId: string;
  status: ParcelRow["status"];
  inLocker: boolean;
  createdAt: string;
  expiresAt: string;
  storedAt: string | null;
  pickedUpAt: string | null;
  expiredAt: string | null;
  cancelledAt: string | null;
  removedAt: string | null;
  releasedAt: string | null;
  /** A delivery, or a return dropped off with a return pass (no pickup code; its carrier collects it). */
  kind: "delivery" | "return";
  /** A return's carrier. */
  carrier: string | null;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** A parcel as the API shows it; `ret`: its return details when it is a return. */
export function parcelView(p: ParcelRow, ret?: { carrier: string }): ParcelView {
  return {
    parcelId: p.id,
    trackingRef: p.trackingRef,
    size: p.size,
    lockerId: p.lockerId,
    status: p.status,
    inLocker: p.inLocker,
    createdAt: iso(p.createdAt)!,
    expiresAt: iso(p.expiresAt)!,
    storedAt: iso(p.storedAt),
    pickedUpAt: iso(p.pickedUpAt),
    expiredAt: iso(p.expiredAt),
    cancelledAt: iso(p.cancelledAt),
    removedAt: iso(p.removedAt),
    releasedAt: iso(p.releasedAt),
    kind: ret ? "return" : "delivery",
    carrier: ret?.carrier ?? null,
  };
}

export function parcelViewIn(ctx: BankContext, p: ParcelRow): ParcelView {
  return parcelView(p, ctx.store.returns.get(p.id));
}

export function getParcel(ctx: BankContext, parcelId: string): ParcelView {
  const p = ctx.store.parcels.get(parcelId);
  if (!p) throw new LockerdError("PARCEL_NOT_FOUND", `no parcel ${parcelId}`);
  return parcelViewIn(ctx, p);
}
