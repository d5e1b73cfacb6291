/** /lockers: assign, status, and a technician's door and service actions. */
import { z } from "zod";
import { assignLocker } from "../../bank/assign.js";
import { availability, lockerStatus } from "../../bank/queries.js";
import { setInService, setOutOfService, technicianOpen } from "../../bank/service.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";
import { lockerId, text } from "../validate.js";
import { assignmentView, availabilityView, doorActionView, lockerView, serviceView } from "../views.js";

const printable = /^[\x21-\x7e]+$/;

/** The assign body; `size` is one of this bank's configured sizes (bank.sizes), smallest first. */
export const assignBody = (sizes: readonly string[]) =>
  z
    .object({
      size: z.enum(sizes as [string, ...string[]]).meta({ description: "the parcel's size, one of the bank's configured sizes (smallest first); the smallest free locker that fits is chosen" }),
      parcel: z.string().min(1).max(64).regex(printable, "printable ASCII without spaces").nullish().meta({ description: "the carrier's tracking reference" }),
      reachable: z
        .boolean()
        .optional()
        .meta({
          description:
            "prefer a door within a wheelchair user's reach (the layout's heightCm or reachable): the smallest reachable locker that fits, else the smallest. Left out, the carrier's pre-advice for the parcel decides (a hint the bank pulled with sync); false ignores it",
        }),
    })
    .strict();

const lockerParam = z.object({ id: lockerId }).strict();
const openBody = z.object({ force: z.boolean().default(false).meta({ description: "open even though a parcel is inside" }) }).strict().prefault({});
const serviceBody = z
  .object({
    inService: z.boolean(),
    reason: text(200).optional(),
    force: z.boolean().default(false).meta({ description: "take an occupied locker out of service anyway" }),
  })
  .strict();

export function lockerRoutes(deps: ApiDeps): Route[] {
  const { ctx } = deps;
  return [
    defineRoute({
      method: "post",
      path: "/lockers/assign",
      idempotencyKey: true,
      tag: "lockers",
      summary: "Assign the smallest free locker that fits a parcel and unlock it for the deposit",
      access: ["courier"],
      body: assignBody(ctx.sizes.sizes),
      responses: { 201: { description: "assigned; the door is unlocking; the pickup code is shown only here", schema: assignmentView } },
      errors: ["NO_LOCKER_AVAILABLE", "PARCEL_ALREADY_IN_BANK", "HARDWARE_OFFLINE", "DOOR_UNAVAILABLE", "STORAGE_BUSY", "STORAGE_FULL"],
      handler: async ({ body }, _req, res) => {
        const a = await assignLocker(ctx, { size: body.size, trackingRef: body.parcel ?? null, reachable: body.reachable });
        res.status(201).json({
          parcelId: a.parcelId,
          lockerId: a.lockerId,
          size: a.size,
          parcelSize: a.parcelSize,
          pickupCode: a.pickupCode,
          pickupToken: a.pickupToken,
          expiresAt: new Date(a.expiresAt).toISOString(),
        });
      },
    }),
    defineRoute({
      method: "get",
      path: "/lockers/status",
      tag: "lockers",
      summary: "Every locker's status and door, and free lockers per size",
      access: ["courier", "kiosk", "monitor"],
      responses: { 200: { description: "the bank's lockers", schema: availabilityView } },
      handler: (_input, _req, res) => {
        res.json(availability(ctx, (id) => deps.doorOf(id)));
      },
    }),
    // One locker (after /lockers/status, which would match :id).
    defineRoute({
      method: "get",
      path: "/lockers/:id",
      tag: "lockers",
      summary: "One locker's status, door and IR 'item present' sensor",
      access: ["courier", "kiosk", "monitor"],
      params: lockerParam,
      responses: { 200: { description: "the locker", schema: lockerView } },
      errors: ["LOCKER_NOT_FOUND"],
      handler: ({ params }, _req, res) => {
        res.json(lockerStatus(ctx, params.id, (id) => deps.doorOf(id)));
      },
    }),
    defineRoute({
      method: "post",
      path: "/lockers/:id/open",
      idempotencyKey: true,
      tag: "lockers",
      summary: "Open a locker's door (technician)",
      access: [],
      params: lockerParam,
      body: openBody,
      responses: { 202: { description: "the door is unlocking", schema: doorActionView } },
      errors: ["LOCKER_NOT_FOUND", "LOCKER_OCCUPIED", "LOCKER_BUSY", "DOOR_UNAVAILABLE"],
      handler: async ({ params, body }, _req, res) => {
        await technicianOpen(ctx, params.id, { force: body.force });
        res.status(202).json({ lockerId: params.id, door: "unlocking" });
      },
    }),
    defineRoute({
      method: "post",
      path: "/lockers/:id/service",
      tag: "lockers",
      summary: "Take a locker out of service or put it back (technician)",
      access: [],
      params: lockerParam,
      body: serviceBody,
      responses: { 200: { description: "the locker's service state", schema: serviceView } },
      errors: ["LOCKER_NOT_FOUND", "LOCKER_OCCUPIED"],
      handler: ({ params, body }, _req, res) => {
        const id = params.id;
        if (body.inService) setInService(ctx, id);
        else setOutOfService(ctx, id, body.reason ?? "taken out of service by a technician", { force: body.force });
        const l = ctx.store.lockers.get(id)!;
        res.json({ lockerId: id, status: l.status, serviceReason: l.serviceReason });
      },
    }),
  ];
}
