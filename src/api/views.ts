/**
 * The shapes of the API's answers, as zod schemas: the OpenAPI document describes responses
 * with them and the tests check real answers against them. Pickup codes appear only in the
 * assignment answer, never in a view.
 */
import { z } from "zod";

const iso = z.iso.datetime({ offset: true });
const isoOrNull = iso.nullable();

export const parcelStatus = z.enum(["ASSIGNED", "STORED", "PICKED_UP", "EXPIRED", "CANCELLED"]);
export const lockerStatus = z.enum(["AVAILABLE", "RESERVED", "OCCUPIED", "OUT_OF_SERVICE"]);

export const parcelView = z
  .object({
    parcelId: z.string(),
    trackingRef: z.string().nullable(),
    size: z.string(),
    lockerId: z.string(),
    status: parcelStatus,
    inLocker: z.boolean(),
    createdAt: iso,
    expiresAt: iso,
    storedAt: isoOrNull,
    pickedUpAt: isoOrNull,
    expiredAt: isoOrNull,
    cancelledAt: isoOrNull,
    removedAt: isoOrNull,
    releasedAt: isoOrNull,
    kind: z.enum(["delivery", "return"]).meta({ description: "a delivery, or a return dropped off with a return pass (no pickup code: its carrier's courier collects it)" }),
    carrier: z.string().nullable().meta({ description: "a return's carrier" }),
  })
  .strict()
  .meta({ id: "Parcel" });

export const lockerView = z
  .object({
    id: z.string(),
    size: z.string(),
    status: lockerStatus,
    serviceReason: z.string().nullable(),
    door: z.string().meta({ description: "open, closed, unknown or unlocking" }),
    parcelId: z.string().nullable(),
    fault: z.boolean().meta({ description: "the locker's hardware cannot be driven now (offline board, unstable sensor)" }),
    itemPresent: z
      .boolean()
      .nullable()
      .meta({ description: "the IR 'item present' sensor: true = something is inside; null = no sensor, or its board is offline" }),
    holds: z.enum(["delivery", "return"]).nullable().meta({ description: "what holds the locker: a delivery, a return, or nothing" }),
  })
  .strict()
  .meta({ id: "Locker" });

export const availabilityView = z
  .object({
    lockers: z.array(lockerView),
    available: z.record(z.string(), z.number().int()).meta({ description: "free lockers per size that can be opened now" }),
    counts: z.record(
      z.string(),
      z.object({ AVAILABLE: z.number().int(), RESERVED: z.number().int(), OCCUPIED: z.number().int(), OUT_OF_SERVICE: z.number().int() }).strict(),
    ).meta({ description: "lockers per size and status" }),
  })
  .strict()
  .meta({ id: "Availability" });

export const assignmentView = z
  .object({
    parcelId: z.string(),
    lockerId: z.string(),
    size: z.string(),
    parcelSize: z.string(),
    pickupCode: z.string().meta({ description: "shown once, to the courier; never stored in plain form" }),
    pickupToken: z.string().meta({ description: "a long random token for a QR code, shown once like the code" }),
    expiresAt: iso,
  })
  .strict()
  .meta({ id: "Assignment" });

export const doorActionView = z
  .object({ lockerId: z.string(), door: z.literal("unlocking") })
  .strict()
  .meta({ id: "DoorAction" });

export const pickupView = z
  .object({ parcelId: z.string(), lockerId: z.string(), door: z.literal("unlocking") })
  .strict()
  .meta({ id: "Pickup" });

export const collectView = z
  .object({ parcelId: z.string(), lockerId: z.string(), door: z.literal("unlocking") })
  .catchall(z.unknown())
  .meta({ id: "Collect" });

export const serviceView = z
  .object({ lockerId: z.string(), status: lockerStatus, serviceReason: z.string().nullable() })
  .strict()
  .meta({ id: "LockerService" });

export const eventView = z
  .object({
    seq: z.number().int(),
    type: z.string(),
    at: iso,
    clockSynced: z.boolean(),
    lockerId: z.string().nullable(),
    parcelId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .strict()
  .meta({ id: "Event" });

export const eventsView = z
  .object({ events: z.array(eventView), lastSeq: z.number().int() })
  .strict()
  .meta({ id: "EventList" });

export const eventTypesView = z
  .object({
    types: z.record(z.string(), z.object({ label: z.string(), level: z.enum(["info", "fault", "alarm", "cleared"]) }).strict()),
  })
  .strict()
  .meta({ id: "EventTypes" });

export const healthView = z
  .object({
    status: z.enum(["ok", "starting"]),
    version: z.string().meta({ description: "the running lockerd's version (package.json, semantic)" }),
  })
  .strict()
  .meta({ id: "Health" });

export const problemView = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().meta({ description: "stable error code, e.g. VALIDATION_FAILED" }),
    message: z.string(),
    detail: z.string(),
    field: z.string().optional().meta({ description: "the field at fault" }),
  })
  .catchall(z.unknown())
  .meta({ id: "Problem" });
