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
