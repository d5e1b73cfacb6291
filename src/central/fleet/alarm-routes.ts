/**
 * Clearing (acknowledging) an alarm through the fleet API: an operator says "seen, handled" for
 * an alarm no bank event will clear (alarm.command_refused, say). Viewers read one alarm and the
 * log of clears; operators and admins clear. See ./alarm-clearing.ts for the rules.
 */
import { z } from "zod";
import { LockerdError } from "../../basics/errors.js";
import { defineRoute, type Route } from "../../api/registry.js";
import { BANK_ID } from "../banks.js";
import { callerOf, type CentralRole } from "../service/auth.js";
import { clearAlarm, clearings, getAlarm } from "./alarm-clearing.js";
import type { Queryable } from "./queries.js";
import { alarmView } from "./views.js";

const when = z.string().meta({ description: "ISO 8601 time" });

export const alarmDetailView = alarmView
  .extend({
    clearedBy: z.string().nullable().meta({ description: "the operator token's name that cleared it; null when open or cleared by the bank's own event" }),
    clearNote: z.string().nullable(),
  })
  .strict()
  .meta({ id: "FleetAlarmDetail" });

export const alarmClearingView = z
  .object({
    alarmId: z.number().int(),
    bankId: z.string(),
    kind: z.string(),
    lockerId: z.string().nullable(),
    raisedAt: when,
    clearedAt: when,
    clearedBy: z.string(),
    note: z.string(),
    openNowAs: z.number().int().nullable().meta({ description: "the id of this bank, kind and locker's alarm if it was raised again since and is open" }),
  })
  .strict()
  .meta({ id: "FleetAlarmClearing" });

/** Printable text, no control characters: it is shown to other operators. */
export const NOTE_MAX = 500;
const note = z
  .string()
  .trim()
  .min(1, "a note is required: what was seen or done")
  .max(NOTE_MAX, `at most ${NOTE_MAX} characters`)
  .regex(/^[^\p{Cc}]*$/u, "no control characters");

const idParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();

export function alarmClearingRoutes({ db }: { db: Queryable }): Route<CentralRole>[] {
  return [
    defineRoute({
      method: "post",
      path: "/fleet/alarms/:id/clear",
      tag: "fleet",
      summary: "Clear (acknowledge) an open alarm, with a note: it leaves the open alarms until the bank raises it again",
      description:
        "For alarms no bank event clears (command_refused, or any alarm an operator has handled). Recorded with the token's name and the note; what the bank did is not changed. A later raise by the bank opens it again under a new id. 409 when it is already cleared (by an operator, or by the bank's event or status report), with `openNowAs`: the newer id when it was raised again since.",
      access: ["operator"],
      params: idParam,
      body: z.object({ note }).strict(),
      responses: { 200: { description: "the alarm, cleared", schema: alarmDetailView } },
      errors: ["NOT_FOUND", "INVALID_STATE"],
      handler: async ({ params, body }, _req, res) => {
        res.json(await clearAlarm(db, { id: params.id, by: callerOf(res).name, note: body.note }));
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/alarms/:id",
      tag: "fleet",
      summary: "One alarm, open or cleared (also an earlier opening that was cleared and raised again under a newer id), with who cleared it and the note",
      access: ["viewer", "operator"],
      params: idParam,
      responses: { 200: { description: "the alarm", schema: alarmDetailView } },
      errors: ["NOT_FOUND"],
      handler: async ({ params }, _req, res) => {
        const a = await getAlarm(db, params.id);
        if (a === null) throw new LockerdError("NOT_FOUND", `no alarm ${params.id}`, { id: params.id });
        res.json(a);
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/alarm-clearings",
      tag: "fleet",
      summary: "Alarms cleared by operators, newest first: who, when, the note",
      access: ["viewer", "operator"],
      query: z
        .object({
          bankId: z.string().regex(BANK_ID, "a bank id: 1-64 letters, digits, _ or -").optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100).meta({ description: "at most this many (default 100, up to 1000)" }),
        })
        .strict(),
      responses: { 200: { description: "the clears", schema: z.object({ clearings: z.array(alarmClearingView) }).strict() } },
      handler: async ({ query }, _req, res) => {
        res.json({ clearings: await clearings(db, query) });
      },
    }),
  ];
}
