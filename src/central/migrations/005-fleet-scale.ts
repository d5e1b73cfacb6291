/**
 * Migration 5, fleet scale: one shared ingest role and a key per bank (identity), partitions a
 * bank cannot multiply or hold hostage, the shared ingest and command-pull bodies behind both
 * ways in, and the operator's resolution of a sequence conflict.
 */
import { CONFLICTS_SQL } from "./005-fleet-scale/conflicts.js";
import { ENTRY_POINTS_SQL } from "./005-fleet-scale/entry-points.js";
import { IDENTITY_SQL } from "./005-fleet-scale/identity.js";
import { INGEST_AS_SQL } from "./005-fleet-scale/ingest-as.js";
import { PARTITIONS_SQL } from "./005-fleet-scale/partitions.js";

export const FLEET_SCALE_SQL = [IDENTITY_SQL, PARTITIONS_SQL, INGEST_AS_SQL, ENTRY_POINTS_SQL, CONFLICTS_SQL].join("\n");
