/**
 * Passes (signing/pass.ts): the center's pass keys this bank trusts (a key of their own, never
 * the commands key), the grace it gives a pass's window while its clock is not known to be
 * right, and the capacity kept free of returns for deliveries.
 */
import { z } from "zod";
import { eachKeyOnce, trustedKeySchema } from "./trusted-key-schema.js";

export const passesSchema = z
  .object({
    /** Pass keys whose signatures this bank accepts; none: every pass is refused. */
    trustedKeys: z.array(trustedKeySchema).default([]),
    /**
     * While the bank's clock is not known to be synchronised (no NTP sync seen), a pass's
     * window is widened by this much at both ends. Default 1 hour: the most a pass outlives
     * its notAfter at a bank whose clock is right but unconfirmed.
     */
    clockGraceMs: z.number().int().min(0).max(86_400_000).default(3_600_000),
  })
  .strict()
  .prefault({})
  .refine(eachKeyOnce, { message: "passes.trustedKeys lists a key twice" });

export const returnsSchema = z
  .object({
    /** Whether a return pass opens a locker at this bank. */
    enabled: z.boolean().default(true),
    /**
     * Free lockers per size kept for deliveries: a return never takes a locker of a size when
     * fewer than this many of that size would then be free. E.g. { "S": 1, "M": 2 }.
     */
    reservedPerSize: z.record(z.string(), z.number().int().min(0).max(1000)).default({}),
  })
  .strict()
  .prefault({});

export type PassesConfig = z.infer<typeof passesSchema>;
export type ReturnsConfig = z.infer<typeof returnsSchema>;
