/**
 * The central PostgreSQL schema, as numbered migrations (append only; applied by apply.ts).
 * Everything lives in the schema `central`, owned by the role that migrates. Banks never get
 * table privileges for writing: they call SECURITY DEFINER functions that stamp every row with
 * the bank of the role that logged in, and row-level security limits what a bank may read to
 * its own rows. The objects are written one file per concern in ./schema/.
 */
import { COMMANDS_SQL } from "./schema/commands.js";
import { INGEST_SQL } from "./schema/ingest.js";
import { ROW_SECURITY_SQL } from "./schema/row-security.js";
import { TABLES_SQL } from "./schema/tables.js";

export const CENTRAL_MIGRATIONS: readonly string[] = [
  // 1: banks, the event store (partitioned by event time), projections, commands, ingestion.
  [TABLES_SQL, ROW_SECURITY_SQL, COMMANDS_SQL, INGEST_SQL].join("\n"),
];
