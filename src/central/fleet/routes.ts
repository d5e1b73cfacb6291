/**
 * The fleet API of lockerd-central: banks, alarms, lockers, parcels, availability and the
 * command log, read-only. Thin: validate, call a read (the rooms ./queries.ts lists), answer.
 * Viewers and up read everything; a carrier may ask where a parcel of a size would fit.
 */
import { z } from "zod";
import { LockerdError } from "../../basics/errors.js";
import { defineRoute, type Route } from "../../api/registry.js";
import { BANK_ID } from "../banks.js";
import type { CentralRole } from "../service/auth.js";
import { availabilityReader, type AvailabilityCopyView } from "./availability-reader.js";
import { openAlarms } from "./alarm-reads.js";
import { sizesThatFit } from "./availability-reads.js";
import { fleetSummary, getBank, listBanks } from "./bank-reads.js";
import { commandLog } from "./command-log.js";
import { bankLockers, bankParcels, PARCEL_STATUSES, parcelsByTrackingRef } from "./parcel-reads.js";
import type { FleetSettings, Queryable } from "./queries.js";
import {
  alarmView,
  bankDetailView,
  bankListView,
  centralLockerView,
  centralParcelView,
  commandLogView,
  fleetAvailabilityView,
  fleetSummaryView,
  freeAtView,
  parcelHistoryView,
} from "./views.js";

const bankId = z.string().regex(BANK_ID, "a bank id: 1-64 letters, digits, _ or -");
const bankParam = z.object({ bankId }).strict();
const limit = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def).meta({ description: `at most this many (default ${def}, up to ${max})` });
const size = z.string().regex(/^[A-Za-z0-9]{1,8}$/, "a locker size such as M");
const bool = z.enum(["true", "false"]).transform((v) => v === "true");

export interface FleetRouteDeps {
  db: Queryable;
  settings: FleetSettings;
  /** How often the fleet page polls (told to it in /fleet/summary). */
  pagePollMs: number;
  /** The instance's in-memory free counts (availability answered without PostgreSQL while fresh); null: always SQL. */
  copy?: AvailabilityCopyView | null;
}

async function bankOr404<T>(p: Promise<T | null>, id: string): Promise<T> {
  const v = await p;
  if (v === null) throw new LockerdError("NOT_FOUND", `no bank ${id}`, { bankId: id });
  return v;
}

/** 404 for a bank the center does not know (an empty list would hide a typo). */
async function knownBank(db: Queryable, id: string): Promise<void> {
  const r = await db.query("SELECT 1 FROM central.banks WHERE id = $1", [id]);
  if (r.rowCount === 0) throw new LockerdError("NOT_FOUND", `no bank ${id}`, { bankId: id });
}

export function fleetRoutes({ db, settings, pagePollMs, copy = null }: FleetRouteDeps): Route<CentralRole>[] {
  const availability = availabilityReader(db, copy);
  return [
    defineRoute({
      method: "get",
      path: "/fleet/summary",
      tag: "fleet",
      summary: "How many banks, online and offline, with open alarms",
      access: ["viewer", "operator"],
      responses: { 200: { description: "the fleet at a glance", schema: fleetSummaryView } },
      handler: async (_input, _req, res) => {
        res.json({ ...(await fleetSummary(db, settings)), offlineAfterMs: settings.offlineAfterMs, sizes: [...settings.sizes], pagePollMs });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/banks",
      tag: "fleet",
      summary: "Banks in id order, a page at a time: online or not, sync, version, clock, alarms, occupancy by size",
      access: ["viewer", "operator"],
      query: z
        .object({
          after: bankId.optional().meta({ description: "the last id of the previous page" }),
          limit: limit(200, 2000),
          only: z.enum(["offline", "alarms", "attention"]).optional().meta({ description: "only offline banks, banks with open alarms, or either" }),
        })
        .strict(),
      responses: { 200: { description: "a page of banks", schema: bankListView } },
      handler: async ({ query }, _req, res) => {
        const banks = await listBanks(db, settings, query);
        res.json({ banks, next: banks.length === query.limit ? banks[banks.length - 1]!.id : null });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/banks/:bankId",
      tag: "fleet",
      summary: "One bank: its state, open alarms and free lockers per size",
      access: ["viewer", "operator"],
      params: bankParam,
      responses: { 200: { description: "the bank", schema: bankDetailView } },
      errors: ["NOT_FOUND"],
      handler: async ({ params }, _req, res) => {
        const bank = await bankOr404(getBank(db, settings, params.bankId), params.bankId);
        const [alarms, free] = await Promise.all([openAlarms(db, settings, { bankId: params.bankId, limit: 500 }), availability.bankAvailability(params.bankId)]);
        res.json({ bank, alarms, free: free.free });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/banks/:bankId/lockers",
      tag: "fleet",
      summary: "A bank's lockers as the center last heard: size, status, parcel, last event",
      access: ["viewer", "operator"],
      params: bankParam,
      responses: { 200: { description: "the lockers, by id", schema: z.object({ lockers: z.array(centralLockerView) }).strict() } },
      errors: ["NOT_FOUND"],
      handler: async ({ params }, _req, res) => {
        await knownBank(db, params.bankId);
        res.json({ lockers: await bankLockers(db, params.bankId) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/banks/:bankId/parcels",
      tag: "fleet",
      summary: "A bank's parcels, latest change first; by default those in a locker or on their way (never their codes)",
      access: ["viewer", "operator"],
      params: bankParam,
      query: z
        .object({
          status: z
            .string()
            .transform((s) => s.split(","))
            .pipe(z.array(z.enum(PARCEL_STATUSES)).min(1))
            .optional()
            .meta({ description: "comma-separated statuses (default ASSIGNED,STORED)" }),
          limit: limit(200, 1000),
        })
        .strict(),
      responses: { 200: { description: "the parcels", schema: z.object({ parcels: z.array(centralParcelView) }).strict() } },
      errors: ["NOT_FOUND"],
      handler: async ({ params, query }, _req, res) => {
        await knownBank(db, params.bankId);
        res.json({ parcels: await bankParcels(db, params.bankId, { statuses: query.status ?? ["ASSIGNED", "STORED"], limit: query.limit }) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/banks/:bankId/availability",
      tag: "availability",
      summary: "Free lockers per size at one bank",
      access: ["viewer", "operator", "carrier"],
      params: bankParam,
      responses: { 200: { description: "free lockers by size", schema: z.object({ bankId: z.string(), free: z.record(z.string(), z.number().int()) }).strict() } },
      errors: ["NOT_FOUND"],
      handler: async ({ params }, _req, res) => {
        const a = await availability.bankAvailability(params.bankId);
        if (Object.keys(a.free).length === 0) await knownBank(db, params.bankId);
        res.json(a);
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/availability",
      tag: "availability",
      summary: "Which of these banks (or of the fleet) has a free locker of a size now",
      description:
        "Answered from counts kept as lockers change, never by counting lockers: from the instance's in-memory copy of them while it is fresh " +
        "(it follows the database within milliseconds; older than fleet.availabilityCopy.staleAfterMs, PostgreSQL answers), else a key lookup per bank.",
      access: ["viewer", "operator", "carrier"],
      query: z
        .object({
          size,
          banks: z
            .string()
            .transform((s) => s.split(","))
            .pipe(z.array(bankId).min(1).max(500))
            .optional()
            .meta({ description: "comma-separated bank ids (up to 500); default the whole fleet" }),
          fits: bool.default(false).meta({ description: "count larger lockers too (the sizes in fleet.sizes from this one up)" }),
          limit: limit(100, 5000),
        })
        .strict(),
      responses: { 200: { description: "the banks with free lockers, and how many", schema: freeAtView } },
      handler: async ({ query }, _req, res) => {
        const sizes = query.fits ? sizesThatFit(settings, query.size) : [query.size];
        const banks = await availability.banksWithFree({ sizes, bankIds: query.banks, limit: query.limit });
        res.json({ size: query.size, sizes, banks });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/availability/sizes",
      tag: "availability",
      summary: "Free and total lockers per size across the fleet",
      description: "From the instance's in-memory copy of the counts while it is fresh, else from PostgreSQL's count table (as /fleet/availability).",
      access: ["viewer", "operator"],
      responses: { 200: { description: "per size", schema: fleetAvailabilityView } },
      handler: async (_input, _req, res) => {
        res.json({ sizes: await availability.fleetAvailability() });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/alarms",
      tag: "fleet",
      summary: "Open alarms, newest first: forced and left-open doors, jams, offline boards, full disks, sequence conflicts, offline banks",
      access: ["viewer", "operator"],
      query: z.object({ bankId: bankId.optional(), limit: limit(200, 2000) }).strict(),
      responses: { 200: { description: "open alarms", schema: z.object({ alarms: z.array(alarmView) }).strict() } },
      handler: async ({ query }, _req, res) => {
        res.json({ alarms: await openAlarms(db, settings, query) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/parcels",
      tag: "fleet",
      summary: "Parcels by tracking ref, each with its history of events (never its code)",
      access: ["viewer", "operator"],
      query: z.object({ trackingRef: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces"), limit: limit(20, 100) }).strict(),
      responses: { 200: { description: "the parcels with this ref (several banks may have used it)", schema: z.object({ parcels: z.array(parcelHistoryView) }).strict() } },
      handler: async ({ query }, _req, res) => {
        res.json({ parcels: await parcelsByTrackingRef(db, query.trackingRef, query.limit) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/fleet/commands",
      tag: "fleet",
      summary: "The command log, newest first (read-only: commands are made through the command routes)",
      access: ["viewer", "operator"],
      query: z.object({ bankId: bankId.optional(), limit: limit(100, 1000) }).strict(),
      responses: { 200: { description: "commands and their outcome", schema: commandLogView } },
      handler: async ({ query }, _req, res) => {
        res.json({ commands: await commandLog(db, query) });
      },
    }),
  ];
}
