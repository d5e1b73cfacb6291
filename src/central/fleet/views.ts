/** The fleet API's answers, as zod schemas: described in the OpenAPI document, and tests compare real answers with them. */
import { z } from "zod";

const when = z.string().meta({ description: "ISO 8601 time" });
const countBySize = z.record(z.string(), z.number().int());

/** A bank's compartment health as it reports it (lockerd's bank/health-summary.ts). */
export const lockerHealthReport = z
  .object({
    threshold: z.number(),
    lockers: z.number().int(),
    below: z.number().int().meta({ description: "lockers whose health score is below the threshold" }),
    worst: z.array(z.object({ lockerId: z.string(), score: z.number(), jams: z.number().int(), cycles: z.number().int() }).strict()).max(20),
  })
  .strict()
  .meta({ id: "FleetLockerHealth" });

export const bankSummaryView = z
  .object({
    id: z.string(),
    online: z.boolean().meta({ description: "heard from (events or its status report) within fleet.offlineAfterMs" }),
    lastSeenAt: when.nullable(),
    lastEventAt: when.nullable().meta({ description: "the bank's time of its newest event held centrally" }),
    lastSyncAt: when.nullable().meta({ description: "when its last batch of events arrived" }),
    lastSeq: z.number().int(),
    backlog: z.number().int().nullable().meta({ description: "events waiting at the bank, as it last reported" }),
    syncLagMs: z.number().int().nullable().meta({ description: "age of the oldest event waiting at the bank when it last reported" }),
    projectionLag: z
      .object({
        events: z.number().int().meta({ description: "events acknowledged (landed) and not yet projected" }),
        since: when.nullable().meta({ description: "when the oldest of them landed (null: none waits)" }),
      })
      .strict()
      .meta({ description: "what the center holds of the bank but its projections (lockers, parcels, alarms) do not show yet: see the README, Landed first, projected after" }),
    softwareVersion: z.string().nullable(),
    clockSynced: z.boolean().nullable(),
    clockOffsetMs: z.number().int().nullable().meta({ description: "the bank's clock minus the center's at its last report" }),
    lastError: z.string().nullable().meta({ description: "the bank's last sync error, as it reported" }),
    openAlarms: z.number().int(),
    occupancy: z.record(z.string(), z.record(z.string(), z.number().int())).meta({ description: "lockers by size, then status" }),
    lockerHealth: lockerHealthReport.nullable().meta({ description: "compartment health as the bank last reported it (lockerd README, Health per compartment); null if it never did" }),
  })
  .strict()
  .meta({ id: "FleetBank" });

export const alarmView = z
  .object({
    id: z.number().int().nullable().meta({ description: "this opening of the alarm (POST /fleet/alarms/{id}/clear); a new id when it opens again after a clear; null for offline (not stored)" }),
    bankId: z.string(),
    kind: z.string().meta({ description: "door_forced, door_left_open, door_jammed, locker_flagged, board_offline, storage_full, sensor_unstable, pickup_lockout, item_left_behind, sensor_cut_suspected, locker_health_low, command_refused, sequence_conflict, offline, or the name of a newer alarm.* event" }),
    lockerId: z.string().nullable(),
    raisedAt: when,
    lastAt: when,
    raises: z.number().int().meta({ description: "times raised while open (a door left open repeats)" }),
    data: z.record(z.string(), z.unknown()),
    clearedAt: when.nullable(),
  })
  .strict()
  .meta({ id: "FleetAlarm" });

export const fleetSummaryView = z
  .object({
    banks: z.number().int(),
    online: z.number().int(),
    offline: z.number().int(),
    withAlarms: z.number().int(),
    openAlarms: z.number().int(),
    offlineAfterMs: z.number().int(),
    sizes: z.array(z.string()),
    pagePollMs: z.number().int().meta({ description: "how often the fleet page asks for news" }),
  })
  .strict()
  .meta({ id: "FleetSummary" });

export const bankListView = z
  .object({ banks: z.array(bankSummaryView), next: z.string().nullable().meta({ description: "pass as ?after= for the next page; null at the end" }) })
  .strict();

export const bankDetailView = z
  .object({ bank: bankSummaryView, alarms: z.array(alarmView), free: countBySize })
  .strict()
  .meta({ id: "FleetBankDetail" });

export const centralLockerView = z
  .object({
    id: z.string(),
    size: z.string().nullable(),
    status: z.string(),
    serviceReason: z.string().nullable(),
    parcelId: z.string().nullable(),
    statusAt: when.nullable(),
    lastEventType: z.string().nullable(),
    lastEventAt: when.nullable(),
  })
  .strict()
  .meta({ id: "FleetLocker" });

export const centralParcelView = z
  .object({
    bankId: z.string(),
    id: z.string(),
    trackingRef: z.string().nullable(),
    lockerId: z.string().nullable(),
    size: z.string().nullable(),
    lockerSize: z.string().nullable(),
    status: z.string(),
    statusAt: when.nullable(),
    expiresAt: when.nullable(),
    assignedAt: when.nullable(),
    storedAt: when.nullable(),
    pickedUpAt: when.nullable(),
    expiredAt: when.nullable(),
    cancelledAt: when.nullable(),
  })
  .strict()
  .meta({ id: "FleetParcel" });

export const parcelHistoryView = centralParcelView
  .extend({
    history: z.array(
      z
        .object({ seq: z.number().int(), type: z.string(), at: when, clockSynced: z.boolean(), lockerId: z.string().nullable(), data: z.record(z.string(), z.unknown()) })
        .strict(),
    ),
  })
  .strict()
  .meta({ id: "FleetParcelWithHistory" });

export const freeAtView = z
  .object({
    size: z.string(),
    sizes: z.array(z.string()).meta({ description: "the sizes counted: the one asked for, and the larger ones with fits=true" }),
    banks: z.array(z.object({ bankId: z.string(), free: z.number().int() }).strict()),
  })
  .strict()
  .meta({ id: "FleetFreeAt" });

export const fleetAvailabilityView = z
  .object({ sizes: z.array(z.object({ size: z.string(), free: z.number().int(), total: z.number().int(), banksWithFree: z.number().int() }).strict()) })
  .strict();

export const commandLogView = z
  .object({
    commands: z.array(
      z
        .object({
          id: z.number().int(),
          bankId: z.string(),
          kind: z.string(),
          args: z.record(z.string(), z.unknown()),
          createdAt: when,
          createdBy: z.string(),
          status: z.string(),
          completedAt: when.nullable(),
          result: z.unknown().nullable(),
        })
        .strict(),
    ),
  })
  .strict();
