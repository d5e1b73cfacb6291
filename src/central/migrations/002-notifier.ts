/**
 * Migration 2: lockerd-central (operator tokens) and the notifier (sealed codes, pre-advice,
 * deliveries). Not released yet: until it is, this may still change; once released it is
 * frozen like migration 1.
 */
import { SEALED_INGEST_SQL } from "./002-notifier/ingest.js";
import { NOTIFIER_SQL } from "./002-notifier/notifier.js";
import { CENTRAL_SERVICE_SQL } from "./002-notifier/service.js";

export const MIGRATION_002_SQL = [CENTRAL_SERVICE_SQL, NOTIFIER_SQL, SEALED_INGEST_SQL].join("\n");
