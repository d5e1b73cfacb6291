/**
 * The passes routes of lockerd-central: issue a return pass (carrier, operator), a courier pass
 * (operator), a technician pass (admin only); list and show them; revoke one pass or every pass
 * of a courier (operator). The response to an issue carries the signed pass text once: it is
 * not stored, and cannot be shown again (issue another and revoke the first).
 *
 * A carrier token issues return passes for one carrier only: the one its token is named after.
 */
import { z } from "zod";
import { defineRoute, type Route } from "../../api/registry.js";
import { LockerdError } from "../../basics/errors.js";
import { BANK_ID } from "../banks.js";
import { callerOf, type CentralRole } from "../service/auth.js";
import type { CentralDeps } from "../service/module.js";
import { issuePass, type Issued, type IssueRequest } from "./issue.js";
import { listReturns, returnView } from "./returns.js";
import { revokePass, revokeSubject } from "./revoke.js";
import type { PassKey, PassSettings } from "./settings.js";
import { getPass, listPasses, listRevocations, passView, revocationView } from "./views.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

const id = (what: string) => z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, `${what}: 1-64 letters, digits, . _ or -`);
const bankId = z.string().regex(BANK_ID, "a bank id: 1-64 letters, digits, _ or -");
const banks = z
  .array(bankId)
  .max(16)
  .refine((b) => new Set(b).size === b.length, "a bank is named twice")
  .default([])
  .meta({ description: "the banks it opens at (at most 16); empty or absent: any bank of the fleet" });
const passIdSchema = z.string().regex(/^[0-9a-f]{32}$/, "a pass id: 32 lower-case hex digits");
const language = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a language tag such as en, de or pt-BR");

export const returnBody = z
  .object({
    /** Default (and, for a carrier token, the only one allowed): the caller's token name. */
    carrier: id("carrier").optional(),
    reference: z.string().regex(/^[\x21-\x7e]{1,64}$/, "the return's reference: 1-64 printable ASCII characters"),
    size: z.string().regex(/^[A-Za-z0-9]{1,8}$/, "a locker size such as S, M or L"),
    banks,
    reachable: z.boolean().default(false).meta({ description: "a door within reach of a wheelchair user" }),
    validDays: z.number().int().min(1).max(366).optional(),
    customer: z
      .object({
        email: z.email().max(254).optional(),
        phone: z.string().regex(/^\+[1-9][0-9]{6,14}$/, "a phone number in E.164 form, e.g. +4915112345678").optional(),
        language: language.default("en"),
      })
      .strict()
      .optional()
      .meta({ description: "whom the notifier confirms the stored return to (kept centrally, never in the pass)" }),
  })
  .strict()
  .meta({ id: "ReturnPassRequest" });

export const courierBody = z
  .object({
    carrier: id("carrier"),
    courierId: id("courierId"),
    banks,
    notBefore: z.iso.datetime({ offset: true }).optional().meta({ description: "default now" }),
    hours: z.number().int().min(1).max(168).optional(),
  })
  .strict()
  .meta({ id: "CourierPassRequest" });

export const technicianBody = z
  .object({
    bankId,
    technicianId: id("technicianId"),
    notBefore: z.iso.datetime({ offset: true }).optional().meta({ description: "default now" }),
    hours: z.number().int().min(1).max(72).optional(),
  })
  .strict()
  .meta({ id: "TechnicianPassRequest" });

const issuedView = z
  .object({
    pass: passView,
    text: z.string().meta({ description: "the signed pass; shown once, never stored" }),
    qrPayload: z.string().meta({ description: "what the QR code encodes (the pass text; QR alphanumeric mode)" }),
  })
  .strict()
  .meta({ id: "IssuedPass" });

const listQuery = z
  .object({
    kind: z.enum(["return", "courier", "technician"]).optional(),
    carrier: id("carrier").optional(),
    courierId: id("courierId").optional(),
    reference: z.string().regex(/^[\x21-\x7e]{1,64}$/).optional(),
    before: passIdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict()
  .refine((q) => q.courierId === undefined || q.carrier !== undefined, { message: "courierId needs carrier", path: ["courierId"] });

const reason = z.string().min(1).max(500).optional();

export interface PassRouteDeps extends Pick<CentralDeps, "pool" | "clock"> {
  key: PassKey | null;
  settings: PassSettings;
}

export function passRoutes(d: PassRouteDeps): Route<CentralRole>[] {
  const { settings: s } = d;
  async function issue(req: IssueRequest): Promise<Issued> {
    if (!d.key) throw new LockerdError("INVALID_STATE", "this instance has no pass key (passes.keyFile): it cannot sign passes");
    const c = await d.pool.connect();
    try {
      return await issuePass(c, d.key, req);
    } finally {
      c.release();
    }
  }
  const window = (notBefore: string | undefined, ms: number) => {
    const from = notBefore ? Date.parse(notBefore) : d.clock.now();
    return { notBefore: from, notAfter: from + ms };
  };
  const hoursWithin = (asked: number | undefined, def: number, max: number, field: string) => {
    const h = asked ?? def;
    if (h > max) throw new LockerdError("VALIDATION_FAILED", `${field}: at most ${max} (this center's limit)`, { field });
    return h;
  };
  const answer = (issued: Issued) => ({ ...issued, qrPayload: issued.text });
  const errors = ["NOT_FOUND", "INVALID_STATE"] as const;

  return [
    defineRoute({
      method: "post",
      path: "/passes/returns",
      tag: "passes",
      summary: "Issue a return pass: the customer shows it at the bank, the smallest free locker that fits opens (carrier, operator)",
      description: "One-time. The notifier confirms the stored return to `customer`. A carrier token may only name its own carrier (its token name).",
      access: ["carrier", "operator"],
      body: returnBody,
      responses: { 201: { description: "issued; the text is shown only now", schema: issuedView } },
      errors,
      handler: async ({ body }, _req, res) => {
        const caller = callerOf(res);
        const carrier = body.carrier ?? caller.name;
        if (caller.role === "carrier" && carrier !== caller.name) throw new LockerdError("FORBIDDEN", `a carrier token may issue return passes for its own carrier (${caller.name}) only`, { field: "carrier" });
        if (!/^[A-Za-z0-9._-]{1,64}$/.test(carrier)) throw new LockerdError("VALIDATION_FAILED", "carrier: name it (the token's name is not a carrier id)", { field: "carrier" });
        const days = body.validDays ?? s.returnDays;
        if (days > s.returnMaxDays) throw new LockerdError("VALIDATION_FAILED", `validDays: at most ${s.returnMaxDays} (this center's limit)`, { field: "validDays" });
        const issued = await issue({
          fields: {
            kind: "return",
            banks: body.banks,
            ...window(undefined, days * DAY),
            oneTime: true,
            return: { reference: body.reference, size: body.size, carrier, ...(body.reachable ? { reachable: true } : {}) },
          },
          subject: null,
          contact: body.customer,
          issuedBy: caller.name,
        });
        res.status(201).json(answer(issued));
      },
    }),
    defineRoute({
      method: "post",
      path: "/passes/couriers",
      tag: "passes",
      summary: "Issue a courier pass: signs the courier in at the banks named (or any) for a shift, with no badge set up there (operator)",
      access: ["operator"],
      body: courierBody,
      responses: { 201: { description: "issued; the text is shown only now", schema: issuedView } },
      errors,
      handler: async ({ body }, _req, res) => {
        const hours = hoursWithin(body.hours, s.courierHours, s.courierMaxHours, "hours");
        const issued = await issue({
          fields: { kind: "courier", banks: body.banks, ...window(body.notBefore, hours * HOUR), oneTime: false, courier: { carrier: body.carrier, courierId: body.courierId } },
          subject: `${body.carrier}:${body.courierId}`,
          issuedBy: callerOf(res).name,
        });
        res.status(201).json(answer(issued));
      },
    }),
    defineRoute({
      method: "post",
      path: "/passes/technicians",
      tag: "passes",
      summary: "Issue a technician pass: technician actions at one bank's keypad, scanner and local API for some hours (admin)",
      access: [],
      body: technicianBody,
      responses: { 201: { description: "issued; the text is shown only now", schema: issuedView } },
      errors,
      handler: async ({ body }, _req, res) => {
        const hours = hoursWithin(body.hours, s.technicianHours, s.technicianMaxHours, "hours");
        const issued = await issue({
          fields: { kind: "technician", banks: [body.bankId], ...window(body.notBefore, hours * HOUR), oneTime: false, technician: { technicianId: body.technicianId } },
          subject: `technician/${body.technicianId}`,
          issuedBy: callerOf(res).name,
        });
        res.status(201).json(answer(issued));
      },
    }),
    defineRoute({
      method: "get",
      path: "/passes",
      tag: "passes",
      summary: "Passes issued, newest first (by kind, carrier, courier, return reference; page with before=<passId>)",
      access: ["viewer", "operator"],
      query: listQuery,
      responses: { 200: { description: "passes", schema: z.object({ passes: z.array(passView) }) } },
      handler: async ({ query: q }, _req, res) => {
        const subject = q.courierId ? `${q.carrier}:${q.courierId}` : undefined;
        res.json({ passes: await listPasses(d.pool, { kind: q.kind, subject, carrier: subject ? undefined : q.carrier, reference: q.reference, before: q.before, limit: q.limit }) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/passes/revocations",
      tag: "passes",
      summary: "Revocations, newest first (live=true: those banks still receive)",
      access: ["viewer", "operator"],
      query: z.object({ live: z.enum(["true", "false"]).default("false"), limit: z.coerce.number().int().min(1).max(500).default(50) }).strict(),
      responses: { 200: { description: "revocations", schema: z.object({ revocations: z.array(revocationView) }) } },
      handler: async ({ query: q }, _req, res) => {
        res.json({ revocations: await listRevocations(d.pool, { live: q.live === "true", limit: q.limit }) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/returns",
      tag: "passes",
      summary: "Returns the banks reported stored, newest first: where a carrier's returns wait for collection (a carrier token sees its own)",
      access: ["viewer", "operator", "carrier"],
      query: z
        .object({
          bank: bankId.optional(),
          carrier: id("carrier").optional(),
          state: z.enum(["stored", "collected", "all"]).default("stored"),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        })
        .strict(),
      responses: { 200: { description: "returns", schema: z.object({ returns: z.array(returnView) }) } },
      handler: async ({ query: q }, _req, res) => {
        const caller = callerOf(res);
        if (caller.role === "carrier" && q.carrier !== undefined && q.carrier !== caller.name) {
          throw new LockerdError("FORBIDDEN", `a carrier token sees its own returns (${caller.name}) only`, { field: "carrier" });
        }
        const carrier = caller.role === "carrier" ? caller.name : q.carrier;
        res.json({ returns: await listReturns(d.pool, { bankId: q.bank, carrier, state: q.state, limit: q.limit }) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/passes/:passId",
      tag: "passes",
      summary: "One pass (never its text), with where its return was stored",
      access: ["viewer", "operator"],
      params: z.object({ passId: passIdSchema }).strict(),
      responses: { 200: { description: "the pass", schema: passView } },
      errors: ["NOT_FOUND"],
      handler: async ({ params }, _req, res) => {
        const p = await getPass(d.pool, params.passId);
        if (!p) throw new LockerdError("NOT_FOUND", `no pass ${params.passId}`);
        res.json(p);
      },
    }),
    // (these two before /passes/:passId/revoke, which would take "couriers" for a pass id)
    defineRoute({
      method: "post",
      path: "/passes/couriers/revoke",
      tag: "passes",
      summary: "Revoke every pass of a courier, at every bank, from each bank's next sync (operator)",
      description: "Kept until the latest of their passes has expired, and at least passes.courierMaxHours; meanwhile no new pass is issued to them.",
      access: ["operator"],
      body: z.object({ carrier: id("carrier"), courierId: id("courierId"), reason }).strict(),
      responses: { 200: { description: "revoked", schema: z.object({ revocation: revocationView, passes: z.number().int().meta({ description: "live passes of theirs this center had issued" }) }).strict() } },
      handler: async ({ body }, _req, res) => {
        const c = await d.pool.connect();
        try {
          res.json(await revokeSubject(c, `${body.carrier}:${body.courierId}`, callerOf(res).name, body.reason ?? null, d.clock.now(), s.courierMaxHours));
        } finally {
          c.release();
        }
      },
    }),
    defineRoute({
      method: "post",
      path: "/passes/technicians/revoke",
      tag: "passes",
      summary: "Revoke every pass of a technician, at every bank, from each bank's next sync (admin)",
      description: "Kept until the latest of their passes has expired, and at least passes.technicianMaxHours; meanwhile no new pass is issued to them.",
      access: [],
      body: z.object({ technicianId: id("technicianId"), reason }).strict(),
      responses: { 200: { description: "revoked", schema: z.object({ revocation: revocationView, passes: z.number().int() }).strict() } },
      handler: async ({ body }, _req, res) => {
        const c = await d.pool.connect();
        try {
          res.json(await revokeSubject(c, `technician/${body.technicianId}`, callerOf(res).name, body.reason ?? null, d.clock.now(), s.technicianMaxHours));
        } finally {
          c.release();
        }
      },
    }),
    defineRoute({
      method: "post",
      path: "/passes/:passId/revoke",
      tag: "passes",
      summary: "Revoke one pass: every bank it names refuses it from its next sync (operator)",
      description: "Until a bank syncs, the pass's own validity bounds what it can do there. Revoking a revoked pass answers the revocation held.",
      access: ["operator"],
      params: z.object({ passId: passIdSchema }).strict(),
      body: z.object({ reason }).strict(),
      responses: { 200: { description: "revoked", schema: revocationView } },
      errors,
      handler: async ({ params, body }, _req, res) => {
        const c = await d.pool.connect();
        try {
          res.json(await revokePass(c, params.passId, callerOf(res).name, body.reason ?? null, d.clock.now()));
        } finally {
          c.release();
        }
      },
    }),
  ];
}
