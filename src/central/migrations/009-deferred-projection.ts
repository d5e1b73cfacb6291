/**
 * Migration 9, deferred projection: a bank's batch is landed durably and acknowledged, and its
 * projections may follow outside the bank's transaction (landing.ts), applied by the projector
 * lockerd-central runs (projector.ts); the ways in call the new body (entry-points.ts).
 */
import { ENTRY_POINTS_SQL } from "./009-deferred-projection/entry-points.js";
import { LANDING_SQL } from "./009-deferred-projection/landing.js";
import { PROJECTOR_SQL } from "./009-deferred-projection/projector.js";

export const DEFERRED_PROJECTION_SQL = [LANDING_SQL, PROJECTOR_SQL, ENTRY_POINTS_SQL].join("\n");
