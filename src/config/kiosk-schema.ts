/**
 * Configuration of the bank's own input and feedback: keypad and scanner devices,
 * kiosk session timings and keys, courier credentials, the attempt limiter and the indicator.
 * Mounted into the one schema in schema.ts.
 */
import { z } from "zod";
import { KEYPAD_KEYS } from "../basics/keypad-keys.js";

const ms = (def: number) => z.number().int().min(1).max(86_400_000).default(def);
const usbId = z.number().int().min(0).max(0xffff);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits (sha256)");

/** A keypad key as the kiosk sees it. */
export const keypadKey = z.enum(KEYPAD_KEYS);

export const inputSchema = z
  .object({
    keypad: z
      .object({
        /** sim: keys pushed programmatically (the bank page, tests). */
        type: z.enum(["none", "terminal", "hid", "sim"]).default("none"),
        vendorId: usbId.optional(),
        productId: usbId.optional(),
        /** A hidraw/libusb path; wins over vendor/product id. */
        path: z.string().min(1).optional(),
        /** Overrides of the default key map: "0x58" or "shift+0x20" → a key, or "none". */
        keymap: z.record(z.string().regex(/^(shift\+)?0x[0-9a-fA-F]{2}$/, 'a usage such as "0x58" or "shift+0x20"'), z.union([keypadKey, z.literal("none")])).default({}),
        /** Detach the kernel's keyboard driver (libusb) so keys do not reach the console. */
        exclusive: z.boolean().default(true),
        /** Name of this keypad in events and the limiter. */
        name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default("main"),
      })
      .strict()
      .prefault({}),
    scanner: z
      .object({
        type: z.enum(["none", "serial", "hid", "sim"]).default("none"),
        path: z.string().min(1).optional(),
        vendorId: usbId.optional(),
        productId: usbId.optional(),
        baudRate: z.number().int().min(1200).max(921_600).default(9600),
        suffix: z.enum(["CR", "LF", "CRLF", "TAB"]).default("CR"),
        /** HID scanners: keyboard-wedge boot reports, or HID POS (usage page 0x8C). */
        hidProtocol: z.enum(["keyboard", "pos"]).default("keyboard"),
        /** AIM symbology ids accepted, e.g. ["Q1", "C0"] or ["Q"] for any QR; empty accepts all. */
        allowedSymbologies: z.array(z.string().regex(/^[A-Za-z][0-9A-Za-z]?$/, 'an AIM id such as "Q1" or "C"')).default([]),
        exclusive: z.boolean().default(true),
        // passes (signing/pass.ts) are about 230 characters
        maxLength: z.number().int().min(8).max(4096).default(512),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export const kioskSchema = z
  .object({
    /** A half-typed code is forgotten after this long without a key. */
    customerIdleMs: ms(15_000),
    /** A courier session ends after this long without a key, a scan or a door event. */
    courierIdleMs: ms(120_000),
    /** "Doesn't fit" is accepted this long after the deposit door opened. */
    doesntFitWindowMs: ms(60_000),
    /** Courier size keys, e.g. {"1": "S", "2": "M", "3": "L"}; default: 1..n for the bank's sizes. */
    sizeKeys: z.record(z.string().regex(/^[0-9]$/, "a digit key"), z.string()).optional(),
    courierKeys: z
      .object({
        doesntFit: keypadKey.default("*"),
        collectExpired: keypadKey.default("0"),
        /** Opens the next locker holding a return for the signed-in courier's carrier. */
        collectReturns: keypadKey.default("9"),
        endSession: keypadKey.default("#"),
      })
      .strict()
      .prefault({}),
    /** Courier PINs have exactly this many digits (counted in the guessing bound). */
    pinDigits: z.number().int().min(6).max(12).default(8),
  })
  .strict()
  .prefault({});

export const courierSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    name: z.string().min(1).max(100),
    /** SHA-256 of the badge's barcode text (badges are long random strings). */
    badgeSha256: hex64.optional(),
    /** scrypt hash of the PIN: "scrypt$N$r$p$salt$hash" (see `npm run courier-credential`). */
    pinHash: z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, "scrypt$N$r$p$salt$hash").optional(),
    /** The carrier whose returns this courier collects (a courier pass names its own). */
    carrier: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
  })
  .strict()
  .refine((c) => c.badgeSha256 !== undefined || c.pinHash !== undefined, "a courier needs badgeSha256 or pinHash");

/** One kind of secret's limiter rules; the defaults differ for codes and for PINs. */
const limiterRules = (d: { baseLockoutMs: number; lockoutGrowth: number; maxLockoutMs: number; memoryMs: number; alarmEveryMs: number }) => ({
  maxFailures: z.number().int().min(1).max(1000).default(5),
  windowMs: ms(86_400_000),
  baseLockoutMs: ms(d.baseLockoutMs),
  lockoutGrowth: z.number().min(1).max(100).default(d.lockoutGrowth),
  maxLockoutMs: ms(d.maxLockoutMs),
  memoryMs: z.number().int().min(60_000).max(366 * 86_400_000).default(d.memoryMs),
  /** At most one alarm.pickup_lockout per source this often; 0: every trip. */
  alarmEveryMs: z.number().int().min(0).max(86_400_000).default(d.alarmEveryMs),
});

/**
 * Pickup codes (the keys at the top) and courier PINs (`pins`) are limited apart. Codes: five
 * failures lock a source for 40 s, always (see README for why); PINs: lockouts doubling to 24 h.
 */
export const limiterSchema = z
  .object({
    ...limiterRules({ baseLockoutMs: 40_000, lockoutGrowth: 1, maxLockoutMs: 40_000, memoryMs: 86_400_000, alarmEveryMs: 3_600_000 }),
    pins: z
      .object(limiterRules({ baseLockoutMs: 60_000, lockoutGrowth: 2, maxLockoutMs: 86_400_000, memoryMs: 30 * 86_400_000, alarmEveryMs: 0 }))
      .strict()
      .prefault({}),
    /** Start even when the yearly chance of a guessed door is 1% or more. */
    allowWeakCodes: z.boolean().default(false),
  })
  .strict()
  .prefault({});

const pin = z.number().int().min(0).max(1023);
export const indicatorSchema = z
  .object({
    type: z.enum(["sim", "gpio"]).default("sim"),
    gpio: z
      .object({
        /** BCM pin numbers; the sysfs base is found from /sys/class/gpio unless chipBase is set. */
        buzzer: pin.optional(),
        green: pin.optional(),
        red: pin.optional(),
        chipBase: z.number().int().min(0).max(4096).optional(),
        activeLow: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type InputConfig = z.infer<typeof inputSchema>;
export type KioskConfig = z.infer<typeof kioskSchema>;
export type CourierConfig = z.infer<typeof courierSchema>;
export type LimiterConfig = z.infer<typeof limiterSchema>;
export type IndicatorConfig = z.infer<typeof indicatorSchema>;
