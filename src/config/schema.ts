/**
 * The one schema for lockerd's configuration: every key's type, default and rule lives here,
 * nowhere else. A bad file stops startup with every problem listed (see load.ts).
 */
import { z } from "zod";
import { MAX_CODE_DIGITS, MIN_CODE_DIGITS } from "../basics/code-digits.js";
import { board8a80Schema, cu16Schema, modbusRelaySchema, serialSchema, wklySchema } from "./serial-schema.js";
import { commandsSchema } from "./commands-schema.js";
import { passesSchema, returnsSchema } from "./passes-schema.js";

import { courierSchema, indicatorSchema, inputSchema, kioskSchema, limiterSchema } from "./kiosk-schema.js";

const ms = (def: number) => z.number().int().min(1).max(86_400_000).default(def);

const tokenSchema = z
  .object({
    name: z.string().min(1).max(64),
    role: z.enum(["courier", "kiosk", "technician", "monitor"]),
    /** SHA-256 of the token, hex; the plain token is never stored. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits (sha256 of the token)"),
  })
  .strict();

// Simulated faults (what the simulated hardware does wrong, and when).
const simFaultSchema = z
  .object({
    kind: z.enum(["jammed", "left_open", "flapping", "forced", "offline"]),
    lockers: z.array(z.string().min(1)).min(1),
    /** When the fault starts, after the bank starts. */
    atMs: z.number().int().min(0).max(86_400_000).default(0),
    /** How long it lasts; absent = until changed at runtime. */
    forMs: z.number().int().min(1).max(86_400_000).optional(),
  })
  .strict();

const simSchema = z
  .object({
    person: z
      .object({
        enabled: z.boolean().default(true),
        openDelayMs: ms(1500),
        closeDelayMs: ms(4000),
      })
      .strict()
      .prefault({}),
    faults: z.array(simFaultSchema).default([]),
  })
  .strict()
  .prefault({});

// A bank wired to the Pi's own GPIO pins (layout lock fields relay, sensor).
const gpioSchema = z
  .object({
    /** gpiochip labels that are the Pi's main GPIO controller, first match wins. */
    chipLabels: z.array(z.string().min(1)).min(1).default(["pinctrl-bcm2835", "pinctrl-bcm2711", "pinctrl-rp1"]),
    /** Most relay boards switch on when their input is pulled low. */
    relayActiveLow: z.boolean().default(true),
    /** The input level that means "door open": with a pull-up and a reed switch to ground, high. */
    doorOpenLevel: z.enum(["high", "low"]).default("high"),
    /** A door input must hold its level this long before the change counts. */
    debounceMs: z.number().int().min(0).max(2000).default(50),
    sysfsRoot: z.string().min(1).default("/sys/class/gpio"),
  })
  .strict()
  .prefault({});

export const configSchema = z
  .object({
    bank: z
      .object({
        id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -").default("demo"),
        /** Layout file; relative paths are relative to the configuration file. */
        layout: z.string().min(1).optional(),
        /** Locker sizes, smallest first. */
        sizes: z.array(z.string().regex(/^[A-Z]{1,3}$/, "1-3 capital letters")).min(1).default(["S", "M", "L"]),
      })
      .strict()
      .prefault({}),
    /** Where the database and the code secret live. */
    dataDir: z.string().min(1).default("var"),
    database: z
      .object({
        /** SQLite file; default <dataDir>/lockerd.db. */
        path: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8080),
        bodyLimitBytes: z.number().int().min(256).max(1_048_576).default(16_384),
        /** HTTPS instead of HTTP on host:port; relative paths are relative to the configuration file. */
        tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).strict().nullable().default(null),
        /** Unix socket for local tools (technician without a token); default <dataDir>/lockerd.sock, false or null: none. */
        socket: z.union([z.string().min(1).max(100), z.literal(false), z.null()]).optional(),
        socketMode: z.string().regex(/^0?[0-7]{3}$/, 'an octal mode such as "0660"').default("0660"),
        /** Group that owns the socket (name or gid); default the daemon's own group. */
        socketGroup: z.union([z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/i, "a group name"), z.number().int().min(0)]).nullable().default(null),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        tokens: z.array(tokenSchema).default([]),
      })
      .strict()
      .prefault({}),
    codes: z
      .object({
        digits: z.number().int().min(MIN_CODE_DIGITS).max(MAX_CODE_DIGITS).default(11),
      })
      .strict()
      .prefault({}),
    parcels: z
      .object({
        pickupWindowHours: z.number().positive().max(24 * 365).default(72),
        expirySweepMs: ms(60_000),
      })
      .strict()
      .prefault({}),
    doors: z
      .object({
        pulseMs: z.number().int().min(50).max(5000).default(500),
        openTimeoutMs: ms(30_000),
        leftOpenMs: ms(120_000),
        leftOpenRepeatMs: ms(300_000),
        maxFailedOpens: z.number().int().min(1).max(100).default(3),
        // A door sensor must hold still this long before a change counts;
        // more than flapMaxChanges changes within flapWindowMs is an unstable sensor.
        sensorSettleMs: z.number().int().min(0).max(10_000).default(100),
        flapWindowMs: ms(10_000),
        flapMaxChanges: z.number().int().min(2).max(1000).default(6),
      })
      .strict()
      .prefault({}),
    hardware: z
      .object({
        driver: z.enum(["sim", "gpio", "cu16", "8a80", "modbus-relay", "wkly"]).default("sim"),
        sim: simSchema,
        gpio: gpioSchema,
        // RS-485 lock boards
        serial: serialSchema,
        cu16: cu16Schema,
        "8a80": board8a80Schema,
        "modbus-relay": modbusRelaySchema,
        wkly: wklySchema,
      })
      .strict()
      .prefault({})
      .refine((h) => h.driver !== "modbus-relay" || h["modbus-relay"].openInput !== undefined, {
        message: 'hardware["modbus-relay"].openInput (0 or 1: the door input\'s value when the door is open) is required with hardware.driver "modbus-relay"',
        path: ["modbus-relay", "openInput"],
      }),
    storage: z
      .object({
        /** Room kept in reserve beside the database for pickups and alarms when the disk fills up. */
        ballastBytes: z.number().int().min(0).max(1 << 30).default(16 * 1024 * 1024),
        checkIntervalMs: ms(30_000),
      })
      .strict()
      .prefault({}),
    // How long an ordered stop may take before the exit is forced (outputs off).
    system: z
      .object({
        stopTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
      })
      .strict()
      .prefault({}),
    // Keypad/scanner, sessions, couriers, attempt limiter, indicator.
    input: inputSchema,
    kiosk: kioskSchema,
    couriers: z.array(courierSchema).default([]),
    limiter: limiterSchema,
    indicator: indicatorSchema,

    // Upward sync to the central PostgreSQL; the bank's id there is bank.id.
    sync: z
      .object({
        enabled: z.boolean().default(false),
        /** postgresql://user@host:port/database; or host/port/database/user below. */
        url: z.string().regex(/^postgres(ql)?:\/\//, "a postgresql:// URL").optional(),
        host: z.string().min(1).optional(),
        port: z.number().int().min(1).max(65535).default(5432),
        database: z.string().min(1).optional(),
        user: z.string().min(1).optional(),
        /** File holding the login role's password (mode 0600); relative to the configuration file. */
        passwordFile: z.string().min(1).optional(),
        /**
         * File holding the bank's own key (mode 0600; central-create-bank writes it): the bank logs
         * in as the shared ingest role and proves which bank it is with this key. Without it the
         * login role must be the bank's own (a bank role made before central schema migration 5).
         */
        keyFile: z.string().min(1).optional(),
        tls: z.enum(["disable", "require", "verify-full"]).default("verify-full"),
        /** CA certificate (PEM) for verify-full; default the system's CAs. */
        caFile: z.string().min(1).optional(),
        batchSize: z.number().int().min(1).max(50_000).default(20_000),
        intervalMs: ms(5000),
        backoffMinMs: ms(1000),
        backoffMaxMs: ms(300_000),
        retentionDays: z.number().positive().max(3650).default(30),
        commandPollMs: ms(15_000),
        connectTimeoutMs: ms(10_000),
        statementTimeoutMs: ms(120_000),
        /**
         * The notifier's X25519 public keys (base64url, 32 bytes; `lockerd-central keygen`):
         * each parcel's code and QR token are sealed to every key listed before they enter the
         * outbox. Two during a key rotation. None: the center gets no code (and cannot notify).
         */
        notifierKeys: z
          .array(z.string().regex(/^[A-Za-z0-9_-]{43}$/, "an X25519 public key: 32 bytes, base64url (43 characters)"))
          .max(2)
          .default([]),
      })
      .strict()
      .prefault({})
      .refine((s) => !s.enabled || s.url !== undefined || (s.host !== undefined && s.database !== undefined && s.user !== undefined), {
        message: "sync.enabled needs sync.url or sync.host, sync.database and sync.user",
      })
      .refine((s) => s.backoffMinMs <= s.backoffMaxMs, { message: "sync.backoffMinMs must not exceed sync.backoffMaxMs" }),
    // signed-commands: the operator keys central commands must be signed with, and the limits
    // this bank keeps whatever central says.
    commands: commandsSchema,
    // passes (issue 23): the pass keys this bank trusts, the clock grace; returns' reserved capacity.
    passes: passesSchema,
    returns: returnsSchema,
    log: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        pretty: z.boolean().optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const size of Object.keys(c.returns.reservedPerSize)) {
      if (!c.bank.sizes.includes(size)) ctx.addIssue({ code: "custom", path: ["returns", "reservedPerSize", size], message: `not one of bank.sizes (${c.bank.sizes.join(", ")})` });
    }
    // A simulated person who shuts the door before its sensor has settled is never seen opening
    // it: every deposit would time out quietly. Say so at start instead.
    const person = c.hardware.sim.person;
    if (c.hardware.driver === "sim" && person.enabled && person.closeDelayMs <= c.doors.sensorSettleMs) {
      ctx.addIssue({
        code: "custom",
        path: ["hardware", "sim", "person", "closeDelayMs"],
        message: `must be longer than doors.sensorSettleMs (${c.doors.sensorSettleMs} ms), or the simulated door closes before its opening is seen`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type SimFaultConfig = z.infer<typeof simFaultSchema>;
export type GpioConfig = z.infer<typeof gpioSchema>;
export type ApiTokenConfig = z.infer<typeof tokenSchema>;
