/** /packages: a parcel's status and times, cancelling an assignment, collecting an expired parcel. */
import { Router } from "express";
import { z } from "zod";
import { collectExpired, extendDeadline } from "../../bank/expiry.js";
import { getParcel, parcelView } from "../../bank/queries.js";
import { cancelAssignment } from "../../bank/service.js";
import type { ApiDeps } from "../deps.js";
import { parse } from "../validate.js";

const idParam = z.object({ id: z.string().regex(/^p_[0-9a-f]{20}$/, "a parcel id such as p_0123456789abcdef0123") });
const cancelBody = z.object({ reason: z.string().min(1).max(200).optional() }).strict().prefault({});
const deadlineBody = z.object({ expiresAt: z.iso.datetime({ offset: true }) }).strict();
/** Parcel search (cli slice): by tracking ref, locker, status; newest first; never codes. */
const findQuery = z
  .object({
    ref: z.string().min(1).max(64).optional(),
    locker: z.string().regex(/^[A-Z][0-9]{2,3}$/, "a locker id such as A01").optional(),
    status: z.enum(["ASSIGNED", "STORED", "PICKED_UP", "EXPIRED", "CANCELLED"]).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function packagesRouter(deps: ApiDeps): Router {
  const r = Router();
  const { ctx, auth } = deps;

  r.get("/packages", auth.allow("courier", "monitor"), (req, res) => {
    const q = parse(findQuery, req.query, "query");
    const rows = ctx.store.parcels.find({ trackingRef: q.ref, lockerId: q.locker, status: q.status, limit: q.limit });
    res.json({ parcels: rows.map(parcelView) });
  });

  r.get("/packages/:id", auth.allow("courier", "kiosk", "monitor"), (req, res) => {
    const { id } = parse(idParam, req.params, "path");
    res.json(getParcel(ctx, id));
  });

  r.post("/packages/:id/cancel", auth.allow("courier"), (req, res) => {
    const { id } = parse(idParam, req.params, "path");
    const body = parse(cancelBody, req.body ?? {}, "body");
    cancelAssignment(ctx, id, body.reason ?? "cancelled through the API");
    res.json(getParcel(ctx, id));
  });

  r.post("/packages/:id/collect", auth.allow("courier"), async (req, res) => {
    const { id } = parse(idParam, req.params, "path");
    const result = await collectExpired(ctx, id);
    res.status(202).json({ ...result, door: "unlocking" });
  });

  r.post("/packages/:id/deadline", auth.allow(), (req, res) => {
    const { id } = parse(idParam, req.params, "path");
    const body = parse(deadlineBody, req.body ?? {}, "body");
    extendDeadline(ctx, id, Date.parse(body.expiresAt));
    res.json(getParcel(ctx, id));
  });

  return r;
}
