/**
 * Door truth and compartment health: each locker's counters and score (bank/health.ts), its
 * latest unlock outcomes, and the technician's move of a parcel out of a jammed compartment.
 * Registered before /lockers/:id, which would match /lockers/health.
 */
import { z } from "zod";
import { bankHealth, healthPolicy } from "../../bank/health.js";
import { healthDetailView, healthView } from "../../bank/health-view.js";
import { moveParcel } from "../../bank/move.js";
import { LockerdError } from "../../basics/errors.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";
import { lockerId, text } from "../validate.js";

const lockerParam = z.object({ id: lockerId }).strict();
const moveBody = z
  .object({
    to: lockerId.meta({ description: "a free locker of the same size or larger, where the technician put the parcel" }),
    reason: text(200).optional(),
  })
  .strict();

const iso = z.string().nullable();
export const lockerHealthView = z
  .object({
    lockerId: z.string(),
    status: z.string(),
    score: z.number().int().min(0).max(100),
    cycles: z.number().int(),
    ratedCycles: z.number().int(),
    wear: z.number(),
    failedOpens: z.number().int(),
    jams: z.number().int(),
    sensorFlaps: z.number().int(),
    boardErrors: z.number().int(),
    lowSince: iso,
    countedSince: iso.meta({ description: "when the fault counters last restarted (the locker put back in service); null: since first use" }),
  })
  .strict()
  .meta({ id: "LockerHealth" });

export const bankHealthView = z
  .object({ threshold: z.number(), lockers: z.array(lockerHealthView) })
  .strict()
  .meta({ id: "BankHealth" });

export const lockerHealthDetailView = lockerHealthView
  .extend({
    unlocks: z.array(
      z.object({ intentId: z.number().int(), purpose: z.string(), outcome: z.string(), boardAnswer: z.string().nullable(), at: z.string() }).strict(),
    ),
  })
  .meta({ id: "LockerHealthDetail" });

export const moveView = z.object({ parcelId: z.string(), from: z.string(), to: z.string() }).strict().meta({ id: "ParcelMove" });

export function lockerHealthRoutes(deps: ApiDeps): Route[] {
  const { ctx } = deps;
  return [
    defineRoute({
      method: "get",
      path: "/lockers/health",
      tag: "lockers",
      summary: "Every compartment's health: cycles, failed opens, jams, sensor flaps, board errors and the score",
      access: ["monitor"],
      responses: { 200: { description: "per-locker health, in layout order", schema: bankHealthView } },
      handler: (_input, _req, res) => {
        res.json({ threshold: healthPolicy(ctx).outOfServiceBelow, lockers: bankHealth(ctx).map((h) => healthView(ctx, h)) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/lockers/:id/health",
      tag: "lockers",
      summary: "One compartment's health and its latest unlock outcomes",
      access: ["monitor"],
      params: lockerParam,
      responses: { 200: { description: "the locker's health", schema: lockerHealthDetailView } },
      errors: ["LOCKER_NOT_FOUND"],
      handler: ({ params }, _req, res) => {
        if (!ctx.store.lockers.get(params.id)?.inLayout) throw new LockerdError("LOCKER_NOT_FOUND", `no locker ${params.id}`);
        res.json(healthDetailView(ctx, params.id));
      },
    }),
    defineRoute({
      method: "post",
      path: "/lockers/:id/move",
      tag: "lockers",
      summary: "Re-home the parcel of a jammed locker after a technician moved it to a free one (technician)",
      access: [],
      params: lockerParam,
      body: moveBody,
      responses: { 200: { description: "the parcel's record now names the new locker; its code opens that door", schema: moveView } },
      errors: ["VALIDATION_FAILED", "LOCKER_NOT_FOUND", "LOCKER_OCCUPIED", "LOCKER_BUSY", "INVALID_STATE"],
      handler: ({ params, body }, _req, res) => {
        res.json(moveParcel(ctx, params.id, body.to, body.reason));
      },
    }),
  ];
}
