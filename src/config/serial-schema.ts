/**
 * Configuration of the RS-485 lock-board drivers (hardware.serial, hardware.cu16,
 * hardware["8a80"]); part of the one schema in schema.ts.
 */
import { z } from "zod";

const ms = (def: number, max = 600_000) => z.number().int().min(1).max(max).default(def);

export const serialSchema = z
  .object({
    /** The bus adapter, e.g. /dev/serial/by-id/usb-FTDI_...; required for cu16 and 8a80. */
    path: z.string().min(1).optional(),
    /** Default per protocol: 19200 for cu16, 9600 for 8a80. */
    baudRate: z.union([z.literal(1200), z.literal(2400), z.literal(4800), z.literal(9600), z.literal(19200), z.literal(38400), z.literal(57600), z.literal(115200)]).optional(),
    /** How often every board's feedback is read. */
    pollMs: ms(300, 60_000),
    /** How long to wait for a board's answer before asking again. */
    responseTimeoutMs: ms(250, 10_000),
    /** How many times an unanswered question is asked again before the board counts as offline. */
    retries: z.number().int().min(0).max(10).default(2),
    /** The longest wait between attempts to reach an offline board. */
    backoffMaxMs: ms(30_000),
  })
  .strict()
  .prefault({});

export const cu16Schema = z
  .object({
    /** The lock feedback bit value that means locked/closed: 1 on most boards, 0 on some NCU16 variants. */
    lockedBit: z.union([z.literal(0), z.literal(1)]).default(1),
    // The board always sends its IR inputs; only a bank that wired IR
    // sensors may read them as "item present" (an unwired input reads "empty" forever).
    /** The lockers have IR "item present" sensors wired to the boards' IR inputs. */
    itemSensors: z.boolean().default(false),
  })
  .strict()
  .prefault({});

export const board8a80Schema = z
  .object({
    /**
     * The unlock reply's status byte that means "open" ("0x11" or "0x00"); it depends on how the
     * feedback switch is wired, and the query's status bits follow it (set bit = open for "0x11").
     */
    openStatus: z.enum(["0x11", "0x00"]).default("0x11"),
  })
  .strict()
  .prefault({});
