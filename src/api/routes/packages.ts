/** /packages: a parcel's status and times, cancelling an assignment, collecting an expired parcel. */
import { z } from "zod";
import { collectExpired, extendDeadline } from "../../bank/expiry.js";
import { getParcel, parcelViewIn } from "../../bank/queries.js";
import { cancelAssignment } from "../../bank/service.js";
import type { ApiDeps } from "../deps.js";
import { defineRoute, type Route } from "../registry.js";
import { lockerId, parcelId, text } from "../validate.js";
import { collectView, parcelView } from "../views.js";

const idParam = z.object({ id: parcelId }).strict();
/** Parcel search: by tracking ref, locker, status; newest first; never codes. */
const findQuery = z
  .object({
    ref: text(64).optional(),
    locker: lockerId.optional(),
    status: z.enum(["ASSIGNED", "STORED", "PICKED_UP", "EXPIRED", "CANCELLED"]).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
const cancelBody = z.object({ reason: text(200).optional() }).strict().prefault({});
const deadlineBody = z.object({ expiresAt: z.iso.datetime({ offset: true }).meta({ description: "the new pickup deadline" }) }).strict();

export function packageRoutes(deps: ApiDeps): Route[] {
  const { ctx } = deps;
  return [
    defineRoute({
      method: "get",
      path: "/packages",
      tag: "packages",
      summary: "Find parcels by tracking reference, locker or status, newest first (never codes)",
      access: ["courier", "monitor"],
      query: findQuery,
      responses: { 200: { description: "the parcels found", schema: z.object({ parcels: z.array(parcelView) }) } },
      handler: ({ query: q }, _req, res) => {
        const rows = ctx.store.parcels.find({ trackingRef: q.ref, lockerId: q.locker, status: q.status, limit: q.limit });
        res.json({ parcels: rows.map((r) => parcelViewIn(ctx, r)) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/packages/:id",
      tag: "packages",
      summary: "A parcel's status and times (never its code)",
      access: ["courier", "monitor"],
      params: idParam,
      responses: { 200: { description: "the parcel", schema: parcelView } },
      errors: ["PARCEL_NOT_FOUND"],
      handler: ({ params }, _req, res) => {
        res.json(getParcel(ctx, params.id));
      },
    }),
    defineRoute({
      method: "post",
      path: "/packages/:id/cancel",
      idempotencyKey: true,
      tag: "packages",
      summary: "Cancel an assignment whose parcel was never stored",
      access: ["courier"],
      params: idParam,
      body: cancelBody,
      responses: { 200: { description: "the cancelled parcel", schema: parcelView } },
      errors: ["PARCEL_NOT_FOUND", "INVALID_STATE", "LOCKER_BUSY"],
      handler: ({ params, body }, _req, res) => {
        cancelAssignment(ctx, params.id, body.reason ?? "cancelled through the API");
        res.json(getParcel(ctx, params.id));
      },
    }),
    defineRoute({
      method: "post",
      path: "/packages/:id/collect",
      idempotencyKey: true,
      tag: "packages",
      summary: "Open the door of an expired parcel so the courier can take it back",
      access: ["courier"],
      params: idParam,
      body: z.object({}).strict().prefault({}),
      responses: { 202: { description: "the door is unlocking", schema: collectView } },
      errors: ["PARCEL_NOT_FOUND", "INVALID_STATE", "LOCKER_BUSY", "DOOR_UNAVAILABLE"],
      handler: async ({ params }, _req, res) => {
        const result = await collectExpired(ctx, params.id);
        res.status(202).json({ ...result, door: "unlocking" });
      },
    }),
    defineRoute({
      method: "post",
      path: "/packages/:id/deadline",
      tag: "packages",
      summary: "Move a parcel's pickup deadline (technician)",
      access: [],
      params: idParam,
      body: deadlineBody,
      responses: { 200: { description: "the parcel with its new deadline", schema: parcelView } },
      errors: ["PARCEL_NOT_FOUND", "INVALID_STATE"],
      handler: ({ params, body }, _req, res) => {
        extendDeadline(ctx, params.id, Date.parse(body.expiresAt));
        res.json(getParcel(ctx, params.id));
      },
    }),
  ];
}
