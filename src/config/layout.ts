/**
 * A bank's physical layout: columns of lockers as they stand, each locker with a human id, a
 * size and the lock/sensor channel it is wired to. The lock fields a driver needs (board and
 * channel for RS-485 boards, relay and sensor pins for GPIO) are checked by that driver.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError, describeIssues } from "./errors.js";

const lockSchema = z
  .object({
    board: z.number().int().min(0).max(255).optional(),
    channel: z.number().int().min(0).max(255).optional(),
    relay: z.number().int().min(0).max(1023).optional(),
    sensor: z.number().int().min(0).max(1023).optional(),
  })
  .strict();

const lockerSchema = z
  .object({
    id: z.string().regex(/^[A-Z][0-9]{2,3}$/, "a column letter and 2-3 digits, e.g. A01"),
    size: z.string(),
    lock: lockSchema.prefault({}),
    /** Height of the door's centre above the ground; 38-122 cm is within a wheelchair user's reach. */
    heightCm: z.number().min(0).max(400).optional(),
    /** Whether a wheelchair user can reach it; overrides heightCm. */
    reachable: z.boolean().optional(),
  })
  .strict();

export const layoutSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    columns: z
      .array(
        z
          .object({
            id: z.string().min(1),
            lockers: z.array(lockerSchema).min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type Layout = z.infer<typeof layoutSchema>;
export type LayoutLockerSpec = Layout["columns"][number]["lockers"][number];

export interface BankLayout {
  name: string;
  columns: { id: string; lockers: LayoutLockerSpec[] }[];
  /** Every locker in layout order (column by column, top to bottom). */
  lockers: LayoutLockerSpec[];
}

/** The forward reach range of a wheelchair user (ADA 2010 §308.2.1: 15-48 in). */
export const REACH_CM = { min: 38, max: 122 } as const;

/** Whether a locker is within a wheelchair user's reach: its flag, else its height; unknown = no. */
export function isReachable(l: LayoutLockerSpec): boolean {
  if (l.reachable !== undefined) return l.reachable;
  return l.heightCm !== undefined && l.heightCm >= REACH_CM.min && l.heightCm <= REACH_CM.max;
}

export function parseLayout(raw: unknown, sizes: readonly string[], source: string): BankLayout {
  const parsed = layoutSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues, raw));
  const problems: string[] = [];
  const seen = new Set<string>();
  const lockers = parsed.data.columns.flatMap((c) => c.lockers);
  lockers.forEach((l) => {
    if (seen.has(l.id)) problems.push(`locker ${l.id}: id used twice`);
    seen.add(l.id);
    if (!sizes.includes(l.size)) problems.push(`locker ${l.id}: size ${JSON.stringify(l.size)} is not one of ${sizes.join(", ")}`);
  });
  if (problems.length) throw new ConfigError(source, problems);
  return { name: parsed.data.name, columns: parsed.data.columns, lockers };
}

export function loadLayout(path: string, sizes: readonly string[]): BankLayout {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(path, [`cannot read the layout file: ${(e as Error).message}`]);
  }
  return parseLayout(raw, sizes, path);
}
