/**
 * Operator commands of lockerd-central beyond serve/migrate/token, one entry each: modules
 * add theirs here (e.g. the notifier's `extend-deadlines`, `keygen`).
 */
import type pg from "pg";
import { bankProfileCommand, extendDeadlinesCommand, keygenCommand } from "../notifier/commands.js";
import { passKeyCommand } from "../passes/commands.js";
import type { Logger } from "../../system/logger.js";
import type { ResolvedCentralConfig } from "./config.js";

export interface CommandContext {
  pool: pg.Pool;
  config: ResolvedCentralConfig;
  log: Logger;
  /** The arguments after the command's name (parse them with node:util parseArgs). */
  args: string[];
}

export interface CentralCommand {
  name: string;
  usage: string;
  summary: string;
  /** Default true: a pool is made (and closed) around run. */
  needsDatabase?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export const COMMANDS: readonly CentralCommand[] = [keygenCommand, bankProfileCommand, extendDeadlinesCommand, passKeyCommand];
