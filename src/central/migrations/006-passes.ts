/**
 * Migration 6, passes (issue 23): the passes lockerd-central issued, their revocations, the
 * keyed function a bank pulls its revocations with, and the returns banks report stored.
 *
 * A pass is signed with lockerd-central's pass key (passes.keyFile), which never enters the
 * database: a row here is a record of what was issued, never the pass itself, and a row
 * written by hand opens nothing (a bank verifies the signature). What the database does decide
 * is revocation: whoever can write central.pass_revocations can refuse passes, not make them.
 */
import { PASS_NOTIFICATIONS_SQL } from "./006-passes/notifications.js";
import { PASS_REVOCATIONS_GRANT_SQL, PASS_REVOCATIONS_SQL } from "./006-passes/revocations.js";
import { PASS_RETURNS_SQL } from "./006-passes/returns.js";
import { PASS_TABLES_SQL } from "./006-passes/tables.js";

export const PASSES_SQL = [PASS_TABLES_SQL, PASS_REVOCATIONS_SQL, PASS_RETURNS_SQL, PASS_NOTIFICATIONS_SQL, PASS_REVOCATIONS_GRANT_SQL].join("\n");
