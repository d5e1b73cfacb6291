/** /events: the event log after a sequence number, for tools that follow it. Codes are never shown. */
import { Router } from "express";
import { z } from "zod";
import type { EventRow } from "../../store/rows.js";
import type { ApiDeps } from "../deps.js";
import { parse } from "../validate.js";

const query = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    type: z.string().max(64).regex(/^[a-z_.]+$/).optional(),
    locker: z.string().regex(/^[A-Z][0-9]{2,3}$/).optional(),
    /** desc: the newest `limit` events after `after`, newest first (lockerctl events). */
    order: z.enum(["asc", "desc"]).default("asc"),
  })
  .strict();

/** The public shape of an event: the plain pickup code stays in the outbox only. */
export function publicEvent(e: EventRow): Record<string, unknown> {
  const { pickupCode: _omit, ...data } = e.data;
  return { seq: e.seq, type: e.type, at: new Date(e.at).toISOString(), clockSynced: e.clockSynced, lockerId: e.lockerId, parcelId: e.parcelId, data };
}

export function eventsRouter(deps: ApiDeps): Router {
  const r = Router();
  r.get("/events", deps.auth.allow("monitor"), (req, res) => {
    const q = parse(query, req.query, "query");
    const events = deps.ctx.store.events.query({ afterSeq: q.after, limit: q.limit, type: q.type, lockerId: q.locker, newestFirst: q.order === "desc" });
    res.json({ events: events.map(publicEvent), lastSeq: deps.ctx.store.events.lastSeq() });
  });
  return r;
}
