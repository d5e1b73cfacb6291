/**
 * The parts of lockerd-central, in start order (stopped in reverse). To add a part of the
 * center (the fleet API, signed commands, ...): write a module (module.ts: a name that is also
 * its configuration key, a settings schema, routes, background work) and add it to this list.
 * Nothing else needs to change: its routes are mounted, validated and documented in the
 * OpenAPI document, its settings are validated with the rest of the configuration.
 */
import { notifierModule } from "../notifier/module.js";
import { commandsModule } from "./commands-module.js";
import { fleetModule } from "../fleet/module.js";
import { passesModule } from "../passes/module.js";
import { projectionModule } from "../projection/module.js";
import type { CentralModule } from "./module.js";

export const CENTRAL_MODULES: readonly CentralModule[] = [
  // projection: applies the batches banks landed to the projections everything below reads
  projectionModule,
  // notifier: pre-advice, customer messages, deadline extensions
  notifierModule,
  // fleet API: banks, alarms, availability, parcels, the command log; the fleet page
  fleetModule,
  // signed commands: create, list and see commands for banks, signed with the service's key file
  commandsModule,
  // passes: return, courier and technician passes signed with the service's pass key file; revocations
  passesModule,
];
