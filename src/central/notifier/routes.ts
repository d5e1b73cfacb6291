/** The notifier's HTTP routes: pre-advice, where an advice stands, parcels waiting for one, dead letters, the bulk deadline rule. */
import { z } from "zod";
import { defineRoute, type Route } from "../../api/registry.js";
import { BANK_ID } from "../banks.js";
import { callerOf, type CentralRole } from "../service/auth.js";
import type { CentralDeps } from "../service/module.js";
import { deadLetters, getAdvice, retryDead, submitAdvice, unadvisedParcels } from "./advice.js";
import { bulkSigning, extendDeadlines } from "./extend-deadlines.js";
import type { NotifierSettings } from "./settings.js";

const bankId = z.string().regex(BANK_ID, "a bank id: 1-64 letters, digits, _ or -");
const trackingRef = z.string().regex(/^[\x21-\x7e]{1,64}$/, "a tracking reference: 1-64 printable ASCII characters");
const language = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a language tag such as en, de or pt-BR");

export const adviceBody = z
  .object({
    trackingRef,
    bankId,
    recipient: z
      .object({
        email: z.email().max(254).optional(),
        phone: z.string().regex(/^\+[1-9][0-9]{6,14}$/, "a phone number in E.164 form, e.g. +4915112345678").optional(),
        language: language.default("en"),
      })
      .strict()
      .refine((r) => r.email !== undefined || r.phone !== undefined, { message: "an e-mail address or a phone number is needed", path: ["email"] }),
    reachable: z
      .boolean()
      .optional()
      .meta({ description: "true: the parcel is for someone who needs a door within a wheelchair user's reach; the bank (bankId) learns it with its sync and prefers such a door when the courier assigns the parcel" }),
  })
  .strict()
  .meta({ id: "Advice" });

const adviceView = z
  .object({
    bankId: z.string(),
    trackingRef: z.string(),
    status: z.enum(["waiting", "matched", "expired"]).meta({ description: "waiting: no stored parcel yet; matched: messages planned; expired: no parcel came" }),
    parcelId: z.string().nullable(),
    language: z.string(),
    hasEmail: z.boolean(),
    hasPhone: z.boolean(),
    reachable: z.boolean(),
    createdAt: z.string(),
    expiresAt: z.string(),
    matchedAt: z.string().nullable(),
  })
  .strict()
  .meta({ id: "AdviceState" });

export function notifierRoutes(deps: CentralDeps, s: NotifierSettings): Route<CentralRole>[] {
  return [
    defineRoute({
      method: "post",
      path: "/parcels/advice",
      tag: "notifier",
      summary: "Pre-advice: who a parcel is for, before it reaches its bank (carrier, operator)",
      description:
        "Joined with the bank's parcel by (bank, tracking ref) once it is stored; the recipient then hears about it. Sent again, it updates the recipient (and reachable: left out, it is false). reachable reaches the bank named, with its sync, while no parcel with this tracking ref is there yet.",
      access: ["carrier", "operator"],
      body: adviceBody,
      responses: { 201: { description: "recorded", schema: adviceView }, 200: { description: "updated", schema: adviceView } },
      errors: ["NOT_FOUND"],
      handler: async ({ body }, _req, res) => {
        const r = await submitAdvice(deps.pool, body, callerOf(res).name, deps.clock.now(), s.adviceTtlHours);
        res.status(r.created ? 201 : 200).json(r.advice);
      },
    }),
    defineRoute({
      method: "get",
      path: "/parcels/advice/:bankId/:trackingRef",
      tag: "notifier",
      summary: "An advice, and its messages with their delivery state",
      access: ["viewer", "operator", "carrier"],
      params: z.object({ bankId, trackingRef }).strict(),
      responses: { 200: { description: "the advice", schema: z.object({ advice: adviceView, messages: z.array(z.record(z.string(), z.unknown())) }) } },
      errors: ["NOT_FOUND"],
      handler: async ({ params }, _req, res) => {
        res.json(await getAdvice(deps.pool, params.bankId, params.trackingRef));
      },
    }),
    defineRoute({
      method: "get",
      path: "/parcels/unadvised",
      tag: "notifier",
      summary: "Stored parcels no advice names yet (they wait for one)",
      access: ["viewer", "operator"],
      query: z.object({ bankId: bankId.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict(),
      responses: { 200: { description: "parcels waiting for advice", schema: z.object({ parcels: z.array(z.record(z.string(), z.unknown())) }) } },
      handler: async ({ query }, _req, res) => {
        res.json({ parcels: await unadvisedParcels(deps.pool, query.bankId, query.limit) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/notifications/dead",
      tag: "notifier",
      summary: "Dead-lettered messages (failed maxAttempts times, or could not be built), newest first",
      access: ["viewer", "operator"],
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict(),
      responses: { 200: { description: "dead letters", schema: z.object({ messages: z.array(z.record(z.string(), z.unknown())) }) } },
      handler: async ({ query }, _req, res) => {
        res.json({ messages: await deadLetters(deps.pool, query.limit) });
      },
    }),
    defineRoute({
      method: "post",
      path: "/notifications/:id/retry",
      tag: "notifier",
      summary: "Try a dead-lettered message again (operator)",
      access: ["operator"],
      params: z.object({ id: z.coerce.number().int().positive() }).strict(),
      responses: { 202: { description: "due again now" } },
      errors: ["NOT_FOUND"],
      handler: async ({ params }, _req, res) => {
        await retryDead(deps.pool, params.id, deps.clock.now());
        res.status(202).end();
      },
    }),
    defineRoute({
      method: "post",
      path: "/deadlines/extend",
      tag: "notifier",
      summary: "Extend every live parcel's deadline at a bank, or at all banks, by N hours (operator)",
      description: "Makes one extend_deadline command per parcel; reminders follow the new deadlines once the banks report them.",
      access: ["operator"],
      body: z
        .object({ bankId: bankId.optional(), allBanks: z.literal(true).optional(), hours: z.number().int().min(1).max(24 * 30) })
        .strict()
        .refine((b) => (b.bankId === undefined) !== (b.allBanks === undefined), { message: "give bankId or allBanks: true (one of them)", path: ["bankId"] }),
      responses: { 202: { description: "commands made", schema: z.object({ commands: z.number().int(), banks: z.number().int() }).strict() } },
      handler: async ({ body }, _req, res) => {
        const r = await extendDeadlines(deps.pool, bulkSigning(deps.config, deps.clock.now()), { bankId: body.bankId ?? null, hours: body.hours, createdBy: `${callerOf(res).name} (extend deadlines by ${body.hours} h)` });
        res.status(202).json(r);
      },
    }),
  ];
}
