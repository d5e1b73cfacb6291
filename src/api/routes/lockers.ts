/** /lockers: assign, status, and a technician's door and service actions. */
import { Router } from "express";
import { z } from "zod";
import { assignLocker } from "../../bank/assign.js";
import { availability } from "../../bank/queries.js";
import { setInService, setOutOfService, technicianOpen } from "../../bank/service.js";
import type { ApiDeps } from "../deps.js";
import { parse } from "../validate.js";

const printable = /^[\x21-\x7e]+$/;

export const assignBody = z
  .object({
    size: z.string().min(1).max(8),
    parcel: z.string().min(1).max(64).regex(printable, "printable ASCII without spaces").nullish(),
  })
  .strict();

const lockerParam = z.object({ id: z.string().regex(/^[A-Z][0-9]{2,3}$/, "a locker id such as A01") });
const openBody = z.object({ force: z.boolean().default(false) }).strict().prefault({});
const serviceBody = z
  .object({
    inService: z.boolean(),
    reason: z.string().min(1).max(200).optional(),
    force: z.boolean().default(false),
  })
  .strict();

export function lockersRouter(deps: ApiDeps): Router {
  const r = Router();
  const { ctx, auth } = deps;

  r.post("/lockers/assign", auth.allow("courier"), async (req, res) => {
    const body = parse(assignBody, req.body ?? {}, "body");
    const a = await assignLocker(ctx, { size: body.size, trackingRef: body.parcel ?? null });
    res.status(201).json({
      parcelId: a.parcelId,
      lockerId: a.lockerId,
      size: a.size,
      parcelSize: a.parcelSize,
      pickupCode: a.pickupCode,
      pickupToken: a.pickupToken,
      expiresAt: new Date(a.expiresAt).toISOString(),
    });
  });

  r.get("/lockers/status", auth.allow("courier", "kiosk", "monitor"), (_req, res) => {
    res.json(availability(ctx, (id) => deps.doorOf(id)));
  });

  r.post("/lockers/:id/open", auth.allow(), async (req, res) => {
    const { id } = parse(lockerParam, req.params, "path");
    const body = parse(openBody, req.body ?? {}, "body");
    await technicianOpen(ctx, id, { force: body.force });
    res.status(202).json({ lockerId: id, door: "unlocking" });
  });

  r.post("/lockers/:id/service", auth.allow(), (req, res) => {
    const { id } = parse(lockerParam, req.params, "path");
    const body = parse(serviceBody, req.body ?? {}, "body");
    if (body.inService) setInService(ctx, id);
    else setOutOfService(ctx, id, body.reason ?? "taken out of service by a technician", { force: body.force });
    const l = ctx.store.lockers.get(id)!;
    res.json({ lockerId: id, status: l.status, serviceReason: l.serviceReason });
  });

  return r;
}
