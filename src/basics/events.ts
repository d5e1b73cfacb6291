/**
 * The event catalogue: every event a bank records, with its data shape, whether it is a fault
 * or an alarm, whether it names a locker or a parcel, and what the central database does with
 * it. It is the single source for the typed event bus (Store.record, EventLog.subscribe), the
 * metrics counters, the daemon's fault log, the labels people see (bank page, lockerctl), and
 * the wire contract with the center (test/sync/event-contract.test.ts sends every entry
 * through the real sync into the real central schema and checks it lands where `center` says).
 *
 * Adding an event type is one entry in EVENTS below: its data schema, the fields, and an
 * example. Nothing else has to be kept in step by hand.
 */
import { z } from "zod";

/** How an event bears on the bank's health: "fault" and "alarm" are logged as warnings (and
 * raised to the fleet), "cleared" says a fault or alarm is over, "info" is ordinary. */
export type EventLevel = "info" | "fault" | "alarm" | "cleared";

/** Whether the event carries a locker id / a parcel id. */
export type Presence = "always" | "maybe" | "never";

/** What the central ingest (central.ingest_events) does with the event, besides storing it in
 * central.events. Checked against the real schema by the contract test. */
export interface CenterEffect {
  /** central.parcels: the status it sets (creating the row), or the column it sets on a parcel already held. */
  parcel?: "ASSIGNED" | "STORED" | "PICKED_UP" | "EXPIRED" | "CANCELLED" | "removed_at" | "expires_at";
  /** central.lockers: the status it sets; "data.status" = the status in its data; "snapshot" = every locker listed. */
  locker?: "RESERVED" | "OCCUPIED" | "AVAILABLE" | "OUT_OF_SERVICE" | "data.status" | "snapshot";
  /** central.bank_commands: the command (data.commandId) it closes, and how. */
  command?: "done" | "failed";
}

export interface EventSpec<S extends z.ZodType = z.ZodType> {
  /** The shape of the event's data. */
  data: S;
  locker: Presence;
  parcel: Presence;
  level: EventLevel;
  /** A few words for people (bank page, lockerctl). */
  label: string;
  center: CenterEffect;
  /** A Prometheus counter this event increments (several types may share one). */
  counter?: { name: string; help: string };
  /** The kind label of lockerd_door_faults_total it counts under. */
  doorFault?: string;
  /** Data fields that travel upward once and are then deleted locally (never stored centrally as data). */
  secret?: readonly string[];
  /** A valid example of the data (documentation, and the contract test sends it). */
  example: z.input<S>;
}

const spec = <S extends z.ZodType>(s: EventSpec<S>): EventSpec<S> => s;

const purpose = z.enum(["deposit", "pickup", "collect", "technician"]);
const position = z.enum(["open", "closed", "unknown"]);
const lockerStatus = z.enum(["AVAILABLE", "RESERVED", "OCCUPIED", "OUT_OF_SERVICE"]);
const parcelStatus = z.enum(["ASSIGNED", "STORED", "PICKED_UP", "EXPIRED", "CANCELLED"]);
const empty = z.object({});
const commandId = z.number().int().optional();

const counters = {
  assignments: { name: "lockerd_assignments_total", help: "Parcels assigned a locker" },
  deposits: { name: "lockerd_deposits_total", help: "Parcels stored in a locker" },
  pickups: { name: "lockerd_pickups_total", help: "Parcels picked up" },
  failedCodes: { name: "lockerd_failed_codes_total", help: "Pickup codes rejected" },
  expired: { name: "lockerd_parcels_expired_total", help: "Parcels that passed their pickup deadline" },
} as const;

export const EVENTS = {
  // ---- parcels ----------------------------------------------------------------------------
  "parcel.assigned": spec({
    data: z.object({
      size: z.string(),
      lockerSize: z.string(),
      trackingRef: z.string().nullable(),
      expiresAt: z.number(),
      /** A door within a wheelchair user's reach was asked for: by the request (API), or by the carrier's pre-advice at the center. */
      reachable: z.enum(["request", "advice"]).optional(),
      /** The code and token sealed to the notifier's keys (src/system/sealed-codes.ts); removed
       * from the bank's outbox once the center has it. */
      sealedCodes: z
        .object({ v: z.literal(1), r: z.array(z.object({ k: z.string(), e: z.string(), n: z.string(), c: z.string() })) })
        .optional(),
      /** Plain code and token: only in events recorded before codes were sealed (the center drops them). */
      pickupCode: z.string().optional(),
      pickupToken: z.string().optional(),
    }),
    locker: "always",
    parcel: "always",
    level: "info",
    label: "parcel assigned a locker",
    center: { parcel: "ASSIGNED", locker: "RESERVED" },
    counter: counters.assignments,
    secret: ["pickupCode", "pickupToken", "sealedCodes"],
    example: {
      size: "S",
      lockerSize: "S",
      trackingRef: "TRK1",
      expiresAt: Date.UTC(2026, 2, 3),
      reachable: "advice",
      sealedCodes: { v: 1, r: [{ k: "key1", e: "ephemeral", n: "nonce", c: "ciphertext" }] },
    },
  }),
  "parcel.stored": spec({
    data: empty,
    locker: "always",
    parcel: "always",
    level: "info",
    label: "parcel stored",
    center: { parcel: "STORED", locker: "OCCUPIED" },
    counter: counters.deposits,
    example: {},
  }),
  "parcel.picked_up": spec({
    data: empty,
    locker: "always",
    parcel: "always",
    level: "info",
    label: "parcel picked up",
    center: { parcel: "PICKED_UP" },
    counter: counters.pickups,
    example: {},
  }),
  "parcel.removed": spec({
    data: empty,
    locker: "always",
    parcel: "always",
    level: "info",
    label: "expired parcel removed by a courier",
    center: { parcel: "removed_at" },
    example: {},
  }),
  "parcel.expired": spec({
    data: z.object({ expiresAt: z.number() }),
    locker: "always",
    parcel: "always",
    level: "info",
    label: "parcel passed its deadline",
    center: { parcel: "EXPIRED" },
    counter: counters.expired,
    example: { expiresAt: Date.UTC(2026, 2, 3) },
  }),
  "parcel.collect_requested": spec({
    data: empty,
    locker: "always",
    parcel: "always",
    level: "info",
    label: "expired parcel to be collected",
    center: {},
    example: {},
  }),
  "parcel.deadline_changed": spec({
    data: z.object({ from: z.number(), to: z.number() }),
    locker: "always",
    parcel: "always",
    level: "info",
    label: "pickup deadline changed",
    center: { parcel: "expires_at" },
    example: { from: Date.UTC(2026, 2, 3), to: Date.UTC(2026, 2, 5) },
  }),
  "parcel.moved": spec({
    // A technician moved a parcel out of a jammed compartment (lockerctl move); lockerId is the new one.
    data: z.object({ from: z.string(), to: z.string(), reason: z.string() }),
    locker: "always",
    parcel: "always",
    level: "info",
    label: "parcel moved to another locker",
    center: {},
    example: { from: "A03", to: "B05", reason: "door jammed" },
  }),
  "parcel.cancelled": spec({
    data: z.object({ reason: z.string() }),
    locker: "always",
    parcel: "always",
    level: "info",
    label: "parcel cancelled",
    center: { parcel: "CANCELLED" },
    example: { reason: "deposit_not_opened" },
  }),

  // ---- pickups ----------------------------------------------------------------------------
  "pickup.requested": spec({
    data: z.object({ source: z.string(), sourceId: z.string().nullable() }),
    locker: "always",
    parcel: "always",
    level: "info",
    label: "pickup code accepted",
    center: {},
    example: { source: "keypad", sourceId: "main" },
  }),
  "pickup.rejected": spec({
    data: z.object({ source: z.string(), sourceId: z.string().nullable(), by: z.literal("token").optional() }),
    locker: "never",
    parcel: "never",
    level: "info",
    label: "pickup code rejected",
    center: {},
    counter: counters.failedCodes,
    example: { source: "keypad", sourceId: "main" },
  }),

  // ---- doors ------------------------------------------------------------------------------
  "door.opened": spec({
    data: z.object({ purpose }),
    locker: "always",
    parcel: "maybe",
    level: "info",
    label: "door opened",
    center: {},
    example: { purpose: "deposit" },
  }),
  "door.closed": spec({
    data: z.object({ purpose }),
    locker: "always",
    parcel: "maybe",
    level: "info",
    label: "door closed",
    center: {},
    example: { purpose: "deposit" },
  }),
  "door.open_timeout": spec({
    data: z.object({ purpose, reason: z.string(), failedOpens: z.number().int().optional() }),
    locker: "always",
    parcel: "maybe",
    level: "fault",
    label: "door did not open",
    center: {},
    doorFault: "did_not_open",
    example: { purpose: "pickup", reason: "stayed_closed", failedOpens: 1 },
  }),
  "door.unlock_failed": spec({
    data: z.object({ purpose, reason: z.string() }),
    locker: "always",
    parcel: "maybe",
    level: "fault",
    label: "lock could not be driven",
    center: {},
    doorFault: "unlock_failed",
    example: { purpose: "pickup", reason: "board offline" },
  }),
  "door.unlock_outcome": spec({
    // One per unlock the hardware was asked for (bank/unlock-outcomes.ts): what the board answered
    // (acknowledged / status_read / none_expected; refused / no_answer when it failed), what the door
    // sensor did, the item sensor before the pulse and at the outcome (null: no sensor), ms after the pulse.
    data: z.object({
      purpose,
      outcome: z.enum(["opened", "open_not_detected", "board_refused", "no_answer"]),
      board: z.enum(["acknowledged", "status_read", "none_expected", "awaited", "refused", "no_answer", "unknown"]),
      doorSensor: z.enum(["opened", "no_change", "unreadable"]),
      itemBefore: z.boolean().nullable(),
      itemAfter: z.boolean().nullable(),
      ms: z.number().nullable(),
    }),
    locker: "always",
    parcel: "maybe",
    level: "info",
    label: "unlock outcome",
    center: {},
    example: { purpose: "pickup", outcome: "open_not_detected", board: "acknowledged", doorSensor: "no_change", itemBefore: true, itemAfter: true, ms: 30_000 },
  }),
  "door.technician_open": spec({
    data: z.object({ forced: z.boolean() }),
    locker: "always",
    parcel: "maybe",
    level: "info",
    label: "door opened by a technician",
    center: {},
    example: { forced: false },
  }),
  "door.remote_open": spec({
    data: z.object({ commandId: z.number().int(), forced: z.boolean(), keyId: z.string().nullable() }),
    locker: "always",
    parcel: "maybe",
    level: "info",
    label: "door opened by a signed central command",
    center: {},
    example: { commandId: 7, forced: false, keyId: "ops-2026" },
  }),
  "door.intent_aborted": spec({
    data: z.object({ purpose, reason: z.literal("restart"), door: position }),
    locker: "always",
    parcel: "maybe",
    level: "info",
    label: "door operation ended by a restart",
    center: {},
    example: { purpose: "deposit", reason: "restart", door: "closed" },
  }),

  // ---- lockers ----------------------------------------------------------------------------
  "locker.released": spec({
    data: empty,
    locker: "always",
    parcel: "maybe",
    level: "info",
    label: "locker free again",
    center: { locker: "AVAILABLE" },
    example: {},
  }),
  "locker.flagged": spec({
    // parcelStatus: the parcel it holds, when a forced door or one found open is why (bank/found-open.ts).
    data: z.object({ reason: z.string(), door: position.optional(), parcelStatus: parcelStatus.optional() }),
    locker: "always",
    parcel: "maybe",
    level: "fault",
    label: "locker taken out of service for inspection",
    center: { locker: "OUT_OF_SERVICE" },
    example: { reason: "inspect: door forced open while holding parcel p_1", parcelStatus: "STORED" },
  }),
  "locker.item_left_behind": spec({
    data: z.object({ purpose }),
    locker: "always",
    parcel: "maybe",
    level: "fault",
    label: "something was left in the locker",
    center: {},
    example: { purpose: "pickup" },
  }),
  "locker.out_of_service": spec({
    data: z.object({ reason: z.string(), holdingParcel: z.string().nullable() }),
    locker: "always",
    parcel: "maybe",
    level: "info",
    label: "locker out of service",
    center: { locker: "OUT_OF_SERVICE" },
    example: { reason: "broken hinge", holdingParcel: null },
  }),
  "locker.in_service": spec({
    data: z.object({ status: lockerStatus }),
    locker: "always",
    parcel: "never",
    level: "info",
    label: "locker back in service",
    center: { locker: "data.status" },
    example: { status: "AVAILABLE" },
  }),
  "lockers.snapshot": spec({
    data: z.object({
      lockers: z.array(
        z.object({ id: z.string(), size: z.string(), status: lockerStatus, serviceReason: z.string().nullable(), parcelId: z.string().nullable() }),
      ),
    }),
    locker: "never",
    parcel: "never",
    level: "info",
    label: "every locker's state (sync start)",
    center: { locker: "snapshot" },
    example: { lockers: [{ id: "S01", size: "M", status: "OUT_OF_SERVICE", serviceReason: "snapshot", parcelId: null }] },
  }),

  // ---- alarms and hardware ------------------------------------------------------------------
  "alarm.door_forced": spec({
    data: z.object({
      /** opened while watched, found open when its position was first known, or standing open at start (bank/found-open.ts). */
      how: z.enum(["opened", "found_open", "open_at_start"]).optional(),
      foundOpen: z.boolean().optional(),
      holdsParcel: z.boolean().optional(),
      lockerStatus: lockerStatus.nullable().optional(),
      parcelStatus: parcelStatus.nullable().optional(),
    }),
    locker: "always",
    parcel: "maybe",
    level: "alarm",
    label: "door forced open",
    center: {},
    doorFault: "forced",
    example: { how: "opened", holdsParcel: true, lockerStatus: "OCCUPIED", parcelStatus: "STORED" },
  }),
  "alarm.door_jammed": spec({
    // A pickup (or collect) whose door did not open: the code stays valid; moveTo = free lockers of
    // the same size or larger a technician can move the parcel to (lockerctl move).
    data: z.object({ purpose, failedOpens: z.number().int(), moveTo: z.array(z.string()) }),
    locker: "always",
    parcel: "always",
    level: "alarm",
    label: "door jammed with a parcel inside",
    center: {},
    doorFault: "jammed",
    example: { purpose: "pickup", failedOpens: 1, moveTo: ["B05", "C01"] },
  }),
  "alarm.sensor_cut_suspected": spec({
    // Open with no unlock and never changing since (doors/supervisor.ts): a cut sensor cable, not a forced door.
    data: z.object({ openForMs: z.number() }),
    locker: "always",
    parcel: "never",
    level: "alarm",
    label: "door sensor cable suspected cut",
    center: {},
    doorFault: "sensor_cut",
    example: { openForMs: 600_000 },
  }),
  "alarm.locker_health_low": spec({
    // Below the health threshold while holding (or reserved for) a parcel: taken out of service once released.
    data: z.object({ score: z.number(), threshold: z.number(), reason: z.string(), holdsParcel: z.boolean() }),
    locker: "always",
    parcel: "maybe",
    level: "alarm",
    label: "compartment health below the threshold",
    center: {},
    example: { score: 42, threshold: 50, reason: "4 jams, 1% of 500000 rated cycles", holdsParcel: true },
  }),
  "alarm.command_refused": spec({
    data: z.object({
      commandId: z.number().int(),
      kind: z.string(),
      reason: z.string(),
      message: z.string(),
      keyId: z.string().nullable(),
      signedId: z.string().nullable(),
    }),
    locker: "never",
    parcel: "never",
    level: "alarm",
    label: "central command refused (signature, bank, validity, replay or limits)",
    center: {},
    example: { commandId: 3, kind: "open_door", reason: "BAD_SIGNATURE", message: "the signature does not verify with key ops-2026", keyId: "ops-2026", signedId: null },
  }),
  "alarm.door_left_open": spec({
    data: z.object({ openForMs: z.number() }),
    locker: "always",
    parcel: "never",
    level: "alarm",
    label: "door left open",
    center: {},
    doorFault: "left_open",
    example: { openForMs: 120_000 },
  }),
  "alarm.door_closed": spec({
    data: empty,
    locker: "always",
    parcel: "never",
    level: "cleared",
    label: "door closed after an alarm",
    center: {},
    example: {},
  }),
  "alarm.sensor_unstable": spec({
    data: z.object({ changes: z.number().int(), windowMs: z.number() }),
    locker: "always",
    parcel: "never",
    level: "alarm",
    label: "door sensor flapping",
    center: {},
    example: { changes: 7, windowMs: 10_000 },
  }),
  "alarm.sensor_settled": spec({
    data: z.object({ position }),
    locker: "always",
    parcel: "never",
    level: "cleared",
    label: "door sensor settled",
    center: {},
    example: { position: "closed" },
  }),
  "alarm.storage_full": spec({
    data: z.object({ freeBytes: z.number() }),
    locker: "never",
    parcel: "never",
    level: "alarm",
    label: "storage full: assignments paused",
    center: {},
    example: { freeBytes: 1024 },
  }),
  "alarm.storage_recovered": spec({
    data: z.object({ freeBytes: z.number() }),
    locker: "never",
    parcel: "never",
    level: "cleared",
    label: "storage has room again",
    center: {},
    example: { freeBytes: 50_000_000 },
  }),
  "alarm.pickup_lockout": spec({
    data: z.object({ source: z.string(), trips: z.number().int(), lockedForMs: z.number(), lockedUntil: z.string() }),
    locker: "never",
    parcel: "never",
    level: "alarm",
    label: "too many wrong codes: source locked out",
    center: {},
    example: { source: "keypad:main", trips: 1, lockedForMs: 60_000, lockedUntil: "2026-03-01T08:01:00.000Z" },
  }),
  "hardware.offline": spec({
    data: z.object({ lockers: z.array(z.string()), detail: z.string() }),
    locker: "never",
    parcel: "never",
    level: "fault",
    label: "lock hardware offline",
    center: {},
    doorFault: "offline",
    example: { lockers: ["A01", "A02"], detail: "board 1 does not answer" },
  }),
  "hardware.online": spec({
    data: z.object({ lockers: z.array(z.string()), detail: z.string() }),
    locker: "never",
    parcel: "never",
    level: "cleared",
    label: "lock hardware back online",
    center: {},
    example: { lockers: ["A01", "A02"], detail: "board 1 answers" },
  }),

  // ---- the keypad and couriers ----------------------------------------------------------------
  "kiosk.lockout_cleared": spec({
    data: z.object({
      source: z.string(),
      by: z.string(),
      wasLockedForMs: z.number(),
      failures: z.number().int(),
      /**
       * Other sources whose lockout alarm is not over: the fleet's one pickup_lockout alarm of
       * the bank stays open while any is (central migration 13). Absent from banks older than
       * it: such an event ends the alarm, as before.
       */
      stillAlarmed: z.array(z.string()).optional(),
    }),
    locker: "never",
    parcel: "never",
    level: "info",
    label: "lockout cleared by a technician",
    center: {},
    example: { source: "keypad:main", by: "technician", wasLockedForMs: 60_000, failures: 0, stillAlarmed: ["scanner:door"] },
  }),
  "kiosk.lockout_ended": spec({
    data: z.object({ source: z.string(), alarmedAt: z.string(), endedAt: z.string() }),
    locker: "never",
    parcel: "never",
    level: "cleared",
    label: "lockout ran out: the source may try again",
    center: {},
    example: { source: "keypad:main", alarmedAt: "2026-03-01T08:00:20.000Z", endedAt: "2026-03-01T09:00:20.000Z" },
  }),
  "courier.credential_added": spec({
    data: z.object({ name: z.string(), kind: z.enum(["badge", "pin", "badge+pin", "none"]), replaced: z.boolean(), commandId }),
    locker: "never",
    parcel: "never",
    level: "info",
    label: "courier credential added",
    center: {},
    example: { name: "dhl-anna", kind: "badge", replaced: false, commandId: 7 },
  }),
  "courier.credential_revoked": spec({
    data: z.object({ name: z.string(), commandId }),
    locker: "never",
    parcel: "never",
    level: "info",
    label: "courier credential revoked",
    center: {},
    example: { name: "dhl-anna", commandId: 8 },
  }),
  "courier.session_started": spec({
    data: z.object({ courierId: z.string(), via: z.enum(["badge", "pin", "pass"]) }),
    locker: "never",
    parcel: "never",
    level: "info",
    label: "courier signed in at the keypad",
    center: {},
    example: { courierId: "dhl-anna", via: "badge" },
  }),
  "courier.session_ended": spec({
    data: z.object({ courierId: z.string(), reason: z.string(), commandId }),
    locker: "never",
    parcel: "never",
    level: "info",
    label: "courier signed out",
    center: {},
    example: { courierId: "dhl-anna", reason: "key" },
  }),

  // ---- passes and returns (issue 23) ---------------------------------------------------------
  "pass.used": spec({
    data: z.object({ passId: z.string(), kind: z.string() }),
    locker: "maybe",
    parcel: "maybe",
    level: "info",
    label: "pass accepted",
    center: {},
    example: { passId: "00112233445566778899aabbccddeeff", kind: "courier" },
  }),
  "pass.refused": spec({
    // passId and kind only once the signature held (a forged pass's claims are not repeated)
    data: z.object({ kind: z.string().nullable(), passId: z.string().nullable(), reason: z.string() }),
    locker: "never",
    parcel: "never",
    level: "info",
    label: "pass refused",
    center: {},
    example: { kind: "return", passId: "00112233445566778899aabbccddeeff", reason: "expired" },
  }),
  "return.stored": spec({
    data: z.object({ passId: z.string(), reference: z.string(), size: z.string(), carrier: z.string() }),
    locker: "always",
    parcel: "always",
    level: "info",
    label: "return dropped off",
    center: {},
    example: { passId: "00112233445566778899aabbccddeeff", reference: "RMA-2026-0001", size: "M", carrier: "dhl" },
  }),
  "return.collected": spec({
    data: z.object({ carrier: z.string(), reference: z.string() }),
    locker: "always",
    parcel: "always",
    level: "info",
    label: "return collected by its carrier",
    center: {},
    example: { carrier: "dhl", reference: "RMA-2026-0001" },
  }),

  // ---- central commands ------------------------------------------------------------------------
  "command.done": spec({
    data: z.looseObject({ commandId: z.number().int(), kind: z.string() }),
    locker: "maybe",
    parcel: "maybe",
    level: "info",
    label: "central command carried out",
    center: { command: "done" },
    example: { commandId: 1, kind: "out_of_service" },
  }),
  "command.failed": spec({
    // error.reason: set when the bank refused the command (code COMMAND_REFUSED); the center closes it as refused
    data: z.object({ commandId: z.number().int(), kind: z.string(), error: z.object({ code: z.string(), reason: z.string().optional(), message: z.string() }) }),
    locker: "maybe",
    parcel: "maybe",
    level: "info",
    label: "central command failed",
    center: { command: "failed" },
    example: { commandId: 2, kind: "open_door", error: { code: "DOOR_UNAVAILABLE", message: "the door cannot be opened right now" } },
  }),
} as const satisfies Record<string, EventSpec>;

export type EventType = keyof typeof EVENTS;
export type EventData<T extends EventType> = z.output<(typeof EVENTS)[T]["data"]>;

/** An event to record: one of the catalogue's types with its data. */
export type NewEvent = {
  [T in EventType]: { type: T; lockerId?: string | null; parcelId?: string | null } & (Record<string, never> extends EventData<T> ? { data?: EventData<T> } : { data: EventData<T> });
}[EventType];

/** An event as recorded (what live listeners hear), typed by the catalogue. */
export type RecordedEvent<U extends EventType = EventType> = {
  [T in U]: {
    seq: number;
    type: T;
    at: number;
    clockSynced: boolean;
    lockerId: string | null;
    parcelId: string | null;
    data: EventData<T>;
    sentAt: number | null;
  };
}[U];

export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

export function isEventType(t: string): t is EventType {
  return Object.hasOwn(EVENTS, t);
}

/** The catalogue entry of a type; undefined for a type the catalogue does not know (an older or newer bank's). */
export function eventSpec(type: string): EventSpec | undefined {
  return isEventType(type) ? EVENTS[type] : undefined;
}

/** The level of any type, "info" for one the catalogue does not know. */
export function eventLevel(type: string): EventLevel {
  return eventSpec(type)?.level ?? "info";
}

/** The data argument of a helper that records a type it is given: optional when the type's data may be empty. */
export type DataArg<T extends EventType> = Record<string, never> extends EventData<T> ? [data?: EventData<T>] : [data: EventData<T>];

/** An event of type T (for code that records a type it is handed rather than a literal). */
export function newEvent<T extends EventType>(type: T, ids: { lockerId?: string | null; parcelId?: string | null }, ...[data]: DataArg<T>): NewEvent {
  // TypeScript does not follow the pairing of a generic type and its data into the union.
  return { type, ...ids, data: data ?? {} } as NewEvent;
}
