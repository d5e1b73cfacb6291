/**
 * The central PostgreSQL schema, as numbered migrations (append only; applied by apply.ts).
 * Everything lives in the schema `central`, owned by the role that migrates. Banks never get
 * table privileges: they call SECURITY DEFINER functions that stamp every row with the bank
 * they authenticated (from migration 5 by the bank's key, all banks logging in as one ingest
 * role; before it by each bank's own login role, whose reading was then held to its own rows by
 * row-level security).
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
import { SIGNED_COMMANDS_SQL } from "./003-signed-commands.js";
import { FLEET_VIEWS_SQL } from "./004-fleet-views.js";
import { FLEET_SCALE_SQL } from "./005-fleet-scale.js";
import { PASSES_SQL } from "./006-passes.js";
import { DOOR_TRUTH_ALARMS_SQL } from "./007-door-truth-alarms.js";
import { FREE_COUNT_NOTIFY_SQL } from "./008-free-count-notify.js";
import { DEFERRED_PROJECTION_SQL } from "./009-deferred-projection.js";
import { ADVICE_HINTS_SQL } from "./010-advice-hints.js";
import { ALARM_CLEARING_SQL } from "./011-alarm-clearing.js";
import { ALARM_OPENINGS_SQL } from "./012-alarm-openings.js";
import { ALARM_FOLLOW_UPS_SQL } from "./013-alarm-follow-ups.js";

export const CENTRAL_MIGRATIONS: readonly string[] = [
  // 1: banks, the event store (partitioned by event time), projections, commands, ingestion.
  [TABLES_SQL, ROW_SECURITY_SQL, COMMANDS_SQL, INGEST_SQL].join("\n"),
  // 2: lockerd-central: operator tokens; the notifier (pre-advice, messages, sealed codes).
  MIGRATION_002_SQL,
  // 3: signed commands: the operator's signed payload and signature, 'refused' with the bank's reason.
  SIGNED_COMMANDS_SQL,
  // 4: fleet API: banks' own status reports, locker counts per size and status, open alarms.
  FLEET_VIEWS_SQL,
  // 5: fleet scale: a key per bank behind one shared ingest role, bounded partitions, row locks
  // instead of advisory locks, sequence conflicts for the operator.
  FLEET_SCALE_SQL,
  // 6: passes: issued passes, revocations (pulled by key), returns reported stored, their confirmation.
  PASSES_SQL,
  // 7: door truth: alarm rules for a suspected cut sensor cable and a compartment's low health;
  // each bank's compartment-health summary kept from its status report.
  DOOR_TRUTH_ALARMS_SQL,
  // 8: availability copy: every change of a bank's locker counts is notified (lockerd_free_counts).
  FREE_COUNT_NOTIFY_SQL,
  // 9: deferred projection: a bank's batch landed and acknowledged, its projections applied by
  // the projector (or in the bank's own call when nothing waits).
  DEFERRED_PROJECTION_SQL,
  // 10: reachable doors asked for in the pre-advice, as hints each bank pulls with its key.
  ADVICE_HINTS_SQL,
  // 11: an operator clears (acknowledges) an open alarm, with a note; each opening of an alarm
  // has its own id; the clears are kept in central.alarm_clearings.
  ALARM_CLEARING_SQL,
  // 12: an alarm's earlier openings kept by id (an old id is "already cleared", not unknown);
  // kiosk.lockout_ended (a lockout ran out) clears pickup_lockout.
  ALARM_OPENINGS_SQL,
  // 13: a technician's clear of one source's lockout leaves the bank's pickup_lockout alarm open
  // while another source's is not over (data.stillAlarmed); central.alarm_openings pruned by age.
  ALARM_FOLLOW_UPS_SQL,
];
