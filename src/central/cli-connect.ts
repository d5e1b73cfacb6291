/** How the central tools connect (--url, else LOCKERD_CENTRAL_URL, else libpq's PG* variables), read their options and fail. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import pg from "pg";

export async function connectAdmin(url: string | undefined): Promise<pg.Client> {
  const connectionString = url ?? process.env.LOCKERD_CENTRAL_URL;
  const client = new pg.Client(connectionString ? { connectionString } : {});
  client.on("error", (e) => console.error(`connection lost: ${e.message}`));
  await client.connect();
  return client;
}

export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/**
 * The tool's options, parsed strictly; an unknown option or a missing value is a one-line
 * refusal naming the tool, with its usage (exit 1), not a stack trace.
 */
export function parseToolArgs<T extends ParseArgsConfig>(tool: string, usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    fail(`${tool}: ${(e as Error).message}\n${usage}`);
  }
}
