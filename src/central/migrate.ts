/**
 * Apply the central PostgreSQL schema: `npx tsx src/central/migrate.ts --url postgresql://...`
 * (or scripts/central-migrate). Run it as the role that should own the schema.
 */
import { migrateCentral } from "./apply.js";
import { connectAdmin, fail, parseToolArgs } from "./cli-connect.js";

const USAGE = "usage: central-migrate [--url postgresql://owner@host/db]   (default: LOCKERD_CENTRAL_URL or PG* variables)";
const { values } = parseToolArgs("central-migrate", USAGE, { options: { url: { type: "string" }, help: { type: "boolean", short: "h" } } });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
try {
  const client = await connectAdmin(values.url);
  try {
    const { from, to } = await migrateCentral(client);
    console.log(from === to ? `central schema is up to date (version ${to})` : `central schema migrated from version ${from} to ${to}`);
  } finally {
    await client.end();
  }
} catch (e) {
  fail(`central-migrate: ${(e as Error).message}`);
}
