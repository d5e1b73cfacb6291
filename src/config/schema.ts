/**
 * The one schema for lockerd's configuration: every key's type, default and rule lives here,
 * nowhere else. A bad file stops startup with every problem listed (see load.ts).
 */
import { z } from "zod";
import { MAX_CODE_DIGITS, MIN_CODE_DIGITS } from "../bank/codes.js";

const ms = (def: number) => z.number().int().min(1).max(86_400_000).default(def);

const tokenSchema = z
  .object({
    name: z.string().min(1).max(64),
    role: z.enum(["courier", "kiosk", "technician", "monitor"]),
    /** SHA-256 of the token, hex; the plain token is never stored. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits (sha256 of the token)"),
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
        digits: z.number().int().min(MIN_CODE_DIGITS).max(MAX_CODE_DIGITS).default(8),
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
      })
      .strict()
      .prefault({}),
    hardware: z
      .object({
        driver: z.enum(["sim"]).default("sim"),
        sim: simSchema,
      })
      .strict()
      .prefault({}),
    // Upward sync to the central PostgreSQL (sync slice); the bank's id there is bank.id.
    sync: z
      .object({
        enabled: z.boolean().default(false),
        /** postgresql://user@host:port/database; or host/port/database/user below. */
        url: z.string().regex(/^postgres(ql)?:\/\//, "a postgresql:// URL").optional(),
        host: z.string().min(1).optional(),
        port: z.number().int().min(1).max(65535).default(5432),
        database: z.string().min(1).optional(),
        user: z.string().min(1).optional(),
        /** File holding the bank role's password (mode 0600); relative to the configuration file. */
        passwordFile: z.string().min(1).optional(),
        tls: z.enum(["disable", "require", "verify-full"]).default("verify-full"),
        /** CA certificate (PEM) for verify-full; default the system's CAs. */
        caFile: z.string().min(1).optional(),
        batchSize: z.number().int().min(1).max(50_000).default(5000),
        intervalMs: ms(5000),
        backoffMinMs: ms(1000),
        backoffMaxMs: ms(300_000),
        retentionDays: z.number().positive().max(3650).default(30),
        commandPollMs: ms(15_000),
        connectTimeoutMs: ms(10_000),
        statementTimeoutMs: ms(120_000),
      })
      .strict()
      .prefault({})
      .refine((s) => !s.enabled || s.url !== undefined || (s.host !== undefined && s.database !== undefined && s.user !== undefined), {
        message: "sync.enabled needs sync.url or sync.host, sync.database and sync.user",
      })
      .refine((s) => s.backoffMinMs <= s.backoffMaxMs, { message: "sync.backoffMinMs must not exceed sync.backoffMaxMs" }),
    log: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        pretty: z.boolean().optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ApiTokenConfig = z.infer<typeof tokenSchema>;
