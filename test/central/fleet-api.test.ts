/**
 * The fleet API through lockerd-central's HTTP server, with real PostgreSQL and a bank's own
 * role ingesting: every answer matches its documented schema, roles are enforced (a carrier
 * may ask where a parcel fits, nothing more), bad parameters and unknown banks are
 * problem+json, the routes are in the OpenAPI document and the fleet gauges on /metrics.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { fleetModule } from "../../src/central/fleet/module.js";
import { bankDetailView, bankListView, commandLogView, fleetSummaryView, freeAtView, parcelHistoryView } from "../../src/central/fleet/views.js";
import { startTestCentralService } from "../support/central-service.js";
import { useTestCentral } from "../support/sync-parts.js";

const central = useTestCentral();
let service: CentralInstance;
let bank: pg.Client;
const tokens: Record<string, string> = {};
const T0 = Date.now() - 60_000;

beforeAll(async () => {
  for (const role of ["viewer", "carrier", "operator"] as const) tokens[role] = await createOperatorToken(await adminPool(), `t-${role}`, role);
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [fleetModule], config: { fleet: { offlineAfterMs: 30_000, sizes: ["S", "M", "L"] } } });
  const login = await central.addBank("API1");
  bank = new pg.Client({ connectionString: login.url });
  await bank.connect();
  await central.addBank("API2");
  const ev = (seq: number, type: string, locker: string | null, parcel: string | null, data: Record<string, unknown>) => [seq, T0 + seq, true, type, locker, parcel, data];
  await bank.query(`SELECT central.ingest_batch('API1', $1, $2::jsonb)`, [
    login.key,
    JSON.stringify([
      ev(1, "lockers.snapshot", null, null, { lockers: [{ id: "A01", size: "S", status: "AVAILABLE" }, { id: "A02", size: "M", status: "AVAILABLE" }, { id: "B01", size: "L", status: "AVAILABLE" }] }),
      ev(2, "parcel.assigned", "A02", "p_0000000000000000000a", { size: "M", lockerSize: "M", trackingRef: "REF-9", expiresAt: T0 + 86_400_000, pickupCode: "87654321" }),
      ev(3, "parcel.stored", "A02", "p_0000000000000000000a", {}),
      ev(4, "alarm.door_forced", "B01", null, {}),
    ]),
  ]);
  await bank.query(`SELECT central.report_bank_status_by_key('API1', $1, $2::jsonb)`, [login.key, JSON.stringify({ softwareVersion: "0.1.0", bankTimeMs: Date.now(), clockSynced: true, backlog: 0, oldestUnsentMs: null, lastError: null, sequenceConflict: false })]);
  await central.db.admin(`INSERT INTO central.bank_commands (bank_id, kind, args) VALUES ('API1', 'open_door', '{"lockerId":"B01"}')`);
  // availability is answered from the instance's copy, which follows commits within milliseconds
  for (let i = 0; i < 500 && JSON.stringify((await get("/fleet/banks/API1/availability")).body.free) !== '{"L":1,"M":0,"S":1}'; i++) await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await bank?.end();
  await service?.stop();
  await pool?.end();
});

let pool: pg.Pool | null = null;
async function adminPool(): Promise<pg.Pool> {
  pool ??= new pg.Pool({ connectionString: central.db.url, max: 2 });
  return pool;
}

async function get(path: string, role: string | null = "viewer"): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const res = await fetch(service.url + path, { headers: role ? { Authorization: `Bearer ${tokens[role]}` } : {} });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (text.startsWith("{") ? JSON.parse(text) : { text }) as Record<string, unknown> };
}

const valid = (schema: z.ZodType, body: unknown) => expect(schema.safeParse(body).error?.issues ?? []).toEqual([]);

describe("answers", () => {
  it("the fleet summary and the page of banks", async () => {
    const s = await get("/fleet/summary");
    expect(s.status).toBe(200);
    valid(fleetSummaryView, s.body);
    expect(s.body).toMatchObject({ banks: 2, online: 1, offline: 1, openAlarms: 1, sizes: ["S", "M", "L"], offlineAfterMs: 30_000 });
    const l = await get("/fleet/banks?limit=1");
    valid(bankListView, l.body);
    expect(l.body).toMatchObject({ banks: [{ id: "API1", online: true, softwareVersion: "0.1.0", openAlarms: 1 }], next: "API1" });
    expect((await get("/fleet/banks?after=API1")).body).toMatchObject({ banks: [{ id: "API2", online: false }], next: null });
    expect(((await get("/fleet/banks?only=offline")).body.banks as { id: string }[]).map((b) => b.id)).toEqual(["API2"]);
  });

  it("one bank with its alarms, lockers, parcels and free lockers", async () => {
    const d = await get("/fleet/banks/API1");
    valid(bankDetailView, d.body);
    expect(d.body).toMatchObject({ alarms: [{ kind: "door_forced", lockerId: "B01" }], free: { S: 1, M: 0, L: 1 }, bank: { projectionLag: { events: 0, since: null } } });
    expect(((await get("/fleet/banks/API1/lockers")).body.lockers as { id: string }[]).map((l) => l.id)).toEqual(["A01", "A02", "B01"]);
    const parcels = await get("/fleet/banks/API1/parcels?status=STORED");
    expect(parcels.body).toMatchObject({ parcels: [{ id: "p_0000000000000000000a", status: "STORED", trackingRef: "REF-9" }] });
    expect((await get("/fleet/banks/API1/parcels?status=PICKED_UP")).body).toEqual({ parcels: [] });
  });

  it("a parcel by tracking ref with its history, never its code", async () => {
    const r = await get("/fleet/parcels?trackingRef=REF-9");
    expect(r.status).toBe(200);
    const parcels = r.body.parcels as unknown[];
    expect(parcels).toHaveLength(1);
    valid(parcelHistoryView, parcels[0]);
    expect(JSON.stringify(r.body)).not.toContain("87654321");
  });

  it("which banks have a free M, or a locker an M fits", async () => {
    const m = await get("/fleet/availability?size=M&banks=API1,API2");
    valid(freeAtView, m.body);
    expect(m.body).toEqual({ size: "M", sizes: ["M"], banks: [] });
    expect((await get("/fleet/availability?size=M&fits=true", "carrier")).body).toEqual({ size: "M", sizes: ["M", "L"], banks: [{ bankId: "API1", free: 1 }] });
    expect((await get("/fleet/banks/API1/availability", "carrier")).body).toEqual({ bankId: "API1", free: { L: 1, M: 0, S: 1 } });
  });

  it("the command log", async () => {
    const c = await get("/fleet/commands?bankId=API1");
    valid(commandLogView, c.body);
    expect(c.body).toMatchObject({ commands: [{ bankId: "API1", kind: "open_door", status: "pending", args: { lockerId: "B01" } }] });
  });
});

describe("roles", () => {
  it("an operator reads the fleet it acts on (the alarms it may clear, the banks it commands)", async () => {
    for (const path of ["/fleet/banks", "/fleet/alarms", "/fleet/commands?bankId=API1", "/fleet/availability?size=M"]) {
      const r = await get(path, "operator");
      expect(r.status, path).toBe(200);
    }
  });
});

describe("refusals", () => {
  it("no token, a carrier outside availability: 401 and 403 as problem+json", async () => {
    const none = await get("/fleet/banks", null);
    expect(none.status).toBe(401);
    expect(none.type).toMatch(/application\/problem\+json/);
    const carrier = await get("/fleet/banks", "carrier");
    expect(carrier.status).toBe(403);
    expect(carrier.body.code).toBe("FORBIDDEN");
  });

  it("bad parameters name their field; an unknown bank is 404", async () => {
    const bad = await get("/fleet/availability?size=M%20L");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "VALIDATION_FAILED", field: "size" });
    expect((await get("/fleet/banks?limit=0")).body).toMatchObject({ code: "VALIDATION_FAILED", field: "limit" });
    expect((await get("/fleet/banks/API1/parcels?status=LOST")).status).toBe(400);
    expect((await get("/fleet/banks/no%20such")).status).toBe(400);
    const missing = await get("/fleet/banks/NOPE");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("NOT_FOUND");
    expect((await get("/fleet/banks/NOPE/lockers")).status).toBe(404);
    expect((await get("/fleet/banks/NOPE/availability")).status).toBe(404);
  });
});

describe("described and measured", () => {
  it("every fleet route is in the OpenAPI document with its roles", async () => {
    const doc = (await get("/openapi.json")).body as { paths: Record<string, Record<string, { "x-roles": unknown }>> };
    for (const p of ["/fleet/summary", "/fleet/banks", "/fleet/banks/{bankId}", "/fleet/banks/{bankId}/lockers", "/fleet/banks/{bankId}/parcels", "/fleet/availability", "/fleet/alarms", "/fleet/parcels", "/fleet/commands"]) {
      expect(doc.paths[p]?.get, p).toBeDefined();
    }
    expect(doc.paths["/fleet/availability"]!.get!["x-roles"]).toEqual(expect.arrayContaining(["viewer", "carrier", "admin"]));
  });

  it("the fleet gauges and request timings are on /metrics", async () => {
    const m = await get("/metrics");
    const text = m.body.text as string;
    expect(text).toMatch(/lockerd_central_fleet_banks\{state="offline"\} 1/);
    expect(text).toMatch(/lockerd_central_fleet_open_alarms\{kind="door_forced"\} 1/);
    expect(text).toMatch(/route="\/fleet\/banks\/:bankId"/);
  });
});

// (last: it adds a bank, which the counts above do not expect)
describe("projection lag", () => {
  it("a bank whose batches landed under contention shows its projection lag until the projector has run", async () => {
    const login = await central.addBank("LAG1");
    const c = new pg.Client({ connectionString: login.url });
    const slots = new pg.Client({ connectionString: central.db.url });
    await c.connect();
    await slots.connect();
    try {
      await slots.query("BEGIN");
      await slots.query("SELECT slot FROM central.projection_inline_slots FOR UPDATE");
      const batch = [1, 2, 3].map((seq) => [seq, T0 + seq, true, "door.opened", "A01", null, {}]);
      await c.query(`SELECT central.ingest_batch('LAG1', $1, $2::jsonb)`, [login.key, JSON.stringify(batch)]);
      await slots.query("COMMIT");
      const lagging = await get("/fleet/banks/LAG1");
      valid(bankDetailView, lagging.body);
      expect(lagging.body).toMatchObject({ bank: { lastSeq: 0, projectionLag: { events: 3, since: expect.stringMatching(/^\d{4}-/) } } });
      await central.project();
      expect((await get("/fleet/banks/LAG1")).body).toMatchObject({ bank: { lastSeq: 3, projectionLag: { events: 0, since: null } } });
    } finally {
      await c.end();
      await slots.end();
    }
  });
});
