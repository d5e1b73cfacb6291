/**
 * The central PostgreSQL schema, as numbered migrations (append only; applied by apply.ts).
 * Everything lives in the schema `central`, owned by the role that migrates. Banks never get
 * table privileges for writing: they call SECURITY DEFINER functions that stamp every row with
 * the bank of the role that logged in, and row-level security limits what a bank may read to
 * its own rows.
 *
 * A migration that may have been deployed is never edited again: a change is a new file,
 * NNN-what-it-does.ts, appended below. test/sync/central-migrations-frozen.test.ts holds the
 * SHA-256 of every released migration and fails when one changes.
 */
import { COMMANDS_SQL } from "./001-initial/commands.js";
import { INGEST_SQL } from "./001-initial/ingest.js";
import { ROW_SECURITY_SQL } from "./001-initial/row-security.js";
import { TABLES_SQL } from "./001-initial/tables.js";
import { MIGRATION_002_SQL } from "./002-notifier.js";

export const CENTRAL_MIGRATIONS: readonly string[] = [
  // 1: banks, the event store (partitioned by event time), projections, commands, ingestion.
  [TABLES_SQL, ROW_SECURITY_SQL, COMMANDS_SQL, INGEST_SQL].join("\n"),
  // 2: lockerd-central: operator tokens; the notifier (pre-advice, messages, sealed codes).
  MIGRATION_002_SQL,
];
