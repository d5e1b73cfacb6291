/** What one lockerctl command is: its name, help, options (node:util parseArgs) and action. */
import type { ParseArgsConfig } from "node:util";
import type { CliContext } from "./context.js";
import { usageError } from "./errors.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  /** The command's help: usage line, description, its own options. */
  help: string;
  options: Options;
  /** Returns the exit code; throws CliError for failures. */
  run(ctx: CliContext, args: string[], values: Values): Promise<number>;
}

export function str(v: string | boolean | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A positive integer option, or a usage error naming it. */
export function intOption(values: Values, name: string, def: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const v = values[name];
  if (v === undefined) return def;
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw usageError(`--${name}: expected a whole number from ${min} to ${max} (got ${String(v)})`);
  return n;
}

export const LOCKER_ID = /^[A-Z][0-9]{2,3}$/;

/** A locker id argument, upper-cased (technicians type a01). */
export function lockerArg(args: string[], i: number, what = "locker"): string {
  const raw = args[i];
  if (!raw) throw usageError(`missing the ${what} id (e.g. A01)`);
  const id = raw.toUpperCase();
  if (!LOCKER_ID.test(id)) throw usageError(`not a locker id: ${raw} (expected a column letter and 2-3 digits, e.g. A01)`);
  return id;
}
export const PARCEL_ID = /^p_[0-9a-f]{20}$/;
