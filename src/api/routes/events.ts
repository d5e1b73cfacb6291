/** /events: the event log after a sequence number, for tools that follow it, and its live stream. Codes are never shown. */
import { z } from "zod";
import { EVENT_TYPES, EVENTS, type EventSpec } from "../../basics/events.js";
import type { EventRow } from "../../store/rows.js";
import type { ApiDeps } from "../deps.js";
import { streamEvents } from "../event-stream.js";
import { defineRoute, type Route } from "../registry.js";
import { lockerId } from "../validate.js";
import { eventsView, eventTypesView } from "../views.js";

const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const typeFilter = z.string().max(64).regex(/^[a-z_.]+$/).meta({ description: "an event type, or a family ending in a dot (door.)" });

const query = z
  .object({
    after: seq.default(0).meta({ description: "sequence number to start after" }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    type: typeFilter.optional(),
    locker: lockerId.optional(),
    order: z.enum(["asc", "desc"]).default("asc").meta({ description: "desc: the newest `limit` events after `after`, newest first" }),
  })
  .strict();

const streamQuery = z
  .object({
    after: seq.optional().meta({ description: "replay events after this sequence number first (default: only new events)" }),
    type: typeFilter.optional(),
    locker: lockerId.optional(),
  })
  .strict();

const streamHeaders = z.object({
  "last-event-id": z
    .string()
    .regex(/^\d{1,15}$/, "a sequence number")
    .transform(Number)
    .optional()
    .meta({ description: "resume after this sequence number (sent by EventSource on reconnect)" }),
});

/** The public shape of an event: the plain pickup code stays in the outbox only. */
export function publicEvent(e: EventRow): Record<string, unknown> {
  const { pickupCode: _omit, pickupToken: _omitToken, ...data } = e.data;
  return { seq: e.seq, type: e.type, at: new Date(e.at).toISOString(), clockSynced: e.clockSynced, lockerId: e.lockerId, parcelId: e.parcelId, data };
}

export function eventRoutes(deps: ApiDeps): Route[] {
  const events = deps.ctx.store.events;
  return [
    defineRoute({
      method: "get",
      path: "/events",
      tag: "events",
      summary: "Events after a sequence number, oldest first (or newest first with order=desc)",
      access: ["monitor"],
      query,
      responses: { 200: { description: "a page of events and the newest sequence number", schema: eventsView } },
      handler: ({ query: q }, _req, res) => {
        const page = events.query({ afterSeq: q.after, limit: q.limit, type: q.type, lockerId: q.locker, newestFirst: q.order === "desc" });
        res.json({ events: page.map(publicEvent), lastSeq: events.lastSeq() });
      },
    }),
    defineRoute({
      method: "get",
      path: "/events/types",
      tag: "events",
      summary: "Every event type the bank records, with a label for people and its level (info, fault, alarm, cleared)",
      access: "any",
      responses: { 200: { description: "the event catalogue's public part", schema: eventTypesView } },
      handler: (_input, _req, res) => {
        res.json({ types: Object.fromEntries(EVENT_TYPES.map((t) => [t, { label: (EVENTS[t] as EventSpec).label, level: EVENTS[t].level }])) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/events/stream",
      tag: "events",
      summary: "Live stream of bank and door events (Server-Sent Events)",
      description:
        "Each event is `id: <seq>`, `event: <type>`, `data: <Event JSON>`. Door sensor changes arrive as " +
        "`event: door.position` with data `{ lockerId, position }` and no id. A comment line is sent every 15 s. " +
        "Resume with the Last-Event-ID header or ?after=.",
      access: ["kiosk", "monitor"],
      query: streamQuery,
      headers: streamHeaders,
      responses: { 200: { description: "an endless text/event-stream", contentType: "text/event-stream" } },
      handler: ({ query: q, headers }, req, res) => {
        res.locals.streaming = true;
        if (req.method === "HEAD") {
          res.status(200).type("text/event-stream").end();
          return;
        }
        // Sequence numbers are never reused: an id beyond the newest comes from another database
        // (a replaced SD card); start from now rather than wait for the numbers to catch up.
        const newest = events.lastSeq();
        const after = Math.min(headers["last-event-id"] ?? q.after ?? newest, newest);
        streamEvents(req, res, { events, onDoorPosition: deps.onDoorPosition, heartbeatMs: deps.heartbeatMs ?? 15_000, log: deps.log }, { after, type: q.type, lockerId: q.locker }, publicEvent);
      },
    }),
  ];
}
