/**
 * An operator clears an alarm no bank event clears (central migration 11), through
 * lockerd-central's fleet API with real PostgreSQL and a bank ingesting with its key: a refused
 * command's alarm is open, an operator clears it with a note (recorded with the token's name), it
 * leaves the open alarms, the summary and the bank; a new refusal opens it again under a new id;
 * a re-sent older event does not. Viewers cannot clear; bad input and clearing twice are
 * problem+json.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { alarmClearingView, alarmDetailView } from "../../src/central/fleet/alarm-routes.js";
import { fleetModule } from "../../src/central/fleet/module.js";
import { alarmView } from "../../src/central/fleet/views.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { startTestCentralService } from "../support/central-service.js";
import { useTestCentral } from "../support/sync-parts.js";

type Ev = [seq: number, type: string, lockerId: string | null, data: Record<string, unknown>];
type Body = Record<string, unknown>;

const central = useTestCentral();
let service: CentralInstance;
let bank: pg.Client;
let key = "";
const tokens: Record<string, string> = {};
const T0 = Date.now() - 3_600_000;
const refused = (commandId: number, reason: string): Record<string, unknown> => ({ commandId, kind: "open_door", reason, message: `refused: ${reason}`, keyId: "ops-1", signedId: null });

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  for (const role of ["viewer", "operator", "admin"] as const) tokens[role] = await createOperatorToken(admin, `t-${role}`, role);
  await admin.end();
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [fleetModule], config: { fleet: { offlineAfterMs: 600_000 } } });
  const b = await central.addBank("AC1");
  key = b.key;
  bank = new pg.Client({ connectionString: b.url });
  await bank.connect();
});
afterAll(async () => {
  await bank?.end();
  await service?.stop();
});

async function ingest(events: Ev[]): Promise<void> {
  await bank.query(`SELECT central.ingest_batch($1, $2, $3::jsonb)`, ["AC1", key, JSON.stringify(events.map((e) => [e[0], T0 + e[0] * 1000, true, e[1], e[2], null, e[3]]))]);
}
async function report(sequenceConflict: boolean): Promise<void> {
  await bank.query(`SELECT central.report_bank_status_by_key('AC1', $1, $2::jsonb)`, [key, JSON.stringify({ softwareVersion: "t", bankTimeMs: Date.now(), clockSynced: true, backlog: 0, lastError: sequenceConflict ? "conflict" : null, sequenceConflict })]);
}

async function call(method: "GET" | "POST", path: string, role: string | null, body?: unknown): Promise<{ status: number; type: string; body: Body }> {
  const headers: Record<string, string> = role ? { Authorization: `Bearer ${tokens[role]}` } : {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(service.url + path, { method, headers, ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (text.startsWith("{") ? JSON.parse(text) : { text }) as Body };
}
const clear = (id: number | string, role: string | null, body: unknown = { note: "seen: a test command, handled" }) => call("POST", `/fleet/alarms/${id}/clear`, role, body);
const valid = (schema: z.ZodType, body: unknown) => expect(schema.safeParse(body).error?.issues ?? []).toEqual([]);

interface OpenAlarm {
  id: number | null;
  kind: string;
  lockerId: string | null;
  data: Body;
}
async function open(): Promise<OpenAlarm[]> {
  const r = await call("GET", "/fleet/alarms?bankId=AC1", "viewer");
  expect(r.status).toBe(200);
  for (const a of r.body.alarms as unknown[]) valid(alarmView, a);
  return r.body.alarms as OpenAlarm[];
}
const openOf = async (kind: string) => (await open()).filter((a) => a.kind === kind);

describe("a refused command's alarm", () => {
  let firstId = 0;

  it("is open after the refusal, with an id", async () => {
    await ingest([[1, "alarm.command_refused", null, refused(1, "BAD_SIGNATURE")]]);
    const [a, ...more] = await openOf("command_refused");
    expect(more).toEqual([]);
    expect(a).toMatchObject({ kind: "command_refused", lockerId: null, data: { reason: "BAD_SIGNATURE" } });
    expect(a!.id).toEqual(expect.any(Number));
    firstId = a!.id!;
  });

  it("a viewer cannot clear it, nor can a request without a token", async () => {
    const v = await clear(firstId, "viewer");
    expect(v.status).toBe(403);
    expect(v.type).toMatch(/application\/problem\+json/);
    expect(v.body.code).toBe("FORBIDDEN");
    expect((await clear(firstId, null)).status).toBe(401);
    expect(await openOf("command_refused")).toHaveLength(1);
  });

  it("bad input is refused as problem+json naming the field, and the alarm stays open", async () => {
    for (const body of [{}, { note: "" }, { note: "   " }, { note: "x".repeat(501) }, { note: "a\u0007bell" }, { note: 5 }, { note: "ok", by: "someone else" }]) {
      const r = await clear(firstId, "operator", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(r.body.code).toBe("VALIDATION_FAILED");
    }
    expect((await clear(firstId, "operator", { note: "" })).body.field).toBe("note");
    expect((await clear(firstId, "operator", "not json{")).status).toBe(400);
    expect((await clear("abc", "operator")).status).toBe(400);
    expect((await clear(0, "operator")).status).toBe(400);
    const unknown = await clear(987_654_321, "operator");
    expect(unknown.status).toBe(404);
    expect(unknown.type).toMatch(/application\/problem\+json/);
    expect(unknown.body.code).toBe("NOT_FOUND");
    expect((await call("GET", "/fleet/alarms/987654321", "viewer")).status).toBe(404);
    expect(await openOf("command_refused")).toHaveLength(1);
  });

  it("an operator clears it with a note: recorded with the token's name, gone from the open alarms, the summary and the bank", async () => {
    expect((await call("GET", "/fleet/summary", "viewer")).body.openAlarms).toBe(1);
    const r = await clear(firstId, "operator", { note: "  forged command from the test rig, key rotated  " });
    expect(r.status).toBe(200);
    valid(alarmDetailView, r.body);
    expect(r.body).toMatchObject({ id: firstId, kind: "command_refused", clearedBy: "t-operator", clearNote: "forged command from the test rig, key rotated" });
    expect(Date.parse(r.body.clearedAt as string)).toBeGreaterThan(Date.now() - 60_000);

    expect(await openOf("command_refused")).toEqual([]);
    const summary = await call("GET", "/fleet/summary", "viewer");
    expect(summary.body).toMatchObject({ openAlarms: 0, withAlarms: 0 });
    const detail = await call("GET", "/fleet/banks/AC1", "viewer");
    expect(detail.body).toMatchObject({ alarms: [], bank: { openAlarms: 0 } });
    const metrics = (await call("GET", "/metrics", "viewer")).body.text as string;
    expect(metrics).not.toMatch(/lockerd_central_fleet_open_alarms\{kind="command_refused"\}/);

    const one = await call("GET", `/fleet/alarms/${firstId}`, "viewer");
    valid(alarmDetailView, one.body);
    expect(one.body).toMatchObject({ id: firstId, clearedBy: "t-operator", clearNote: "forged command from the test rig, key rotated" });
    const log = await call("GET", "/fleet/alarm-clearings?bankId=AC1", "viewer");
    for (const c of log.body.clearings as unknown[]) valid(alarmClearingView, c);
    expect(log.body.clearings).toEqual([expect.objectContaining({ alarmId: firstId, kind: "command_refused", clearedBy: "t-operator", openNowAs: null })]);
  });

  it("clearing it again is 409 saying by whom", async () => {
    const again = await clear(firstId, "admin");
    expect(again.status).toBe(409);
    expect(again.type).toMatch(/application\/problem\+json/);
    expect(again.body).toMatchObject({ code: "INVALID_STATE", clearedBy: "t-operator" });
  });

  it("the same older event sent again does not open it; a new refusal does, under a new id", async () => {
    await ingest([[1, "alarm.command_refused", null, refused(1, "BAD_SIGNATURE")]]);
    expect(await openOf("command_refused")).toEqual([]);

    await ingest([[2, "alarm.command_refused", null, refused(2, "EXPIRED")]]);
    const [a] = await openOf("command_refused");
    expect(a).toMatchObject({ data: { reason: "EXPIRED" } });
    expect(a!.id).not.toBe(firstId);
    const reopened = await call("GET", `/fleet/alarms/${a!.id}`, "viewer");
    expect(reopened.body).toMatchObject({ clearedAt: null, clearedBy: null, clearNote: null, raises: 1 });

    // the old id names the opening that was cleared: clearing it does not hide the new refusal
    const stale = await clear(firstId, "operator");
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: "INVALID_STATE", clearedBy: "t-operator", openNowAs: a!.id });
    expect(await openOf("command_refused")).toHaveLength(1);

    const byAdmin = await clear(a!.id!, "admin", { note: "expired command, re-sent" });
    expect(byAdmin.body).toMatchObject({ clearedBy: "t-admin" });
    expect(await openOf("command_refused")).toEqual([]);
    const log = await call("GET", "/fleet/alarm-clearings?bankId=AC1&limit=10", "viewer");
    expect((log.body.clearings as { alarmId: number }[]).map((c) => c.alarmId)).toEqual([a!.id, firstId]);
  });
});

describe("alarms a bank does clear", () => {
  it("a forced door cleared by an operator: the bank's closing changes nothing, a new forcing opens it again", async () => {
    await ingest([[10, "alarm.door_forced", "B01", { how: "opened" }]]);
    const [forced] = await openOf("door_forced");
    expect((await clear(forced!.id!, "operator", { note: "technician on site" })).status).toBe(200);
    await ingest([[11, "alarm.door_closed", "B01", {}]]);
    expect(await call("GET", `/fleet/alarms/${forced!.id}`, "viewer")).toMatchObject({ status: 200, body: { clearedBy: "t-operator", clearNote: "technician on site" } });
    await ingest([[12, "alarm.door_forced", "B01", { how: "opened" }]]);
    const [again] = await openOf("door_forced");
    expect(again).toMatchObject({ lockerId: "B01" });
    expect(again!.id).not.toBe(forced!.id);
  });

  it("an alarm the bank cleared itself is 409 to clear, and says so", async () => {
    await ingest([[13, "alarm.door_closed", "B01", {}]]);
    const r = await call("GET", "/fleet/alarms?bankId=AC1", "viewer");
    expect((r.body.alarms as OpenAlarm[]).filter((a) => a.kind === "door_forced")).toEqual([]);
    const ids = await central.db.admin<{ id: string }>(`SELECT id FROM central.alarms WHERE bank_id = 'AC1' AND kind = 'door_forced'`);
    const byBank = await clear(ids.rows[0]!.id, "operator");
    expect(byBank.status).toBe(409);
    expect(byBank.body).toMatchObject({ code: "INVALID_STATE", clearedBy: null });
  });

  it("an old id the bank itself cleared, then raised again, is 409 naming the newer open alarm, not 404", async () => {
    const c02 = async () => (await openOf("door_forced")).filter((a) => a.lockerId === "C02");
    await ingest([[20, "alarm.door_forced", "C02", { how: "opened" }]]);
    const [first] = await c02();
    // the bank's clear and its next raise in one batch: a new opening all the same
    await ingest([[21, "alarm.door_closed", "C02", {}], [22, "alarm.door_forced", "C02", { how: "opened" }]]);
    const [second] = await c02();
    expect(second!.id).not.toBe(first!.id);
    // ... and in two batches
    await ingest([[23, "alarm.door_closed", "C02", {}]]);
    await ingest([[24, "alarm.door_forced", "C02", { how: "opened" }]]);
    const [third] = await c02();
    expect([first!.id, second!.id]).not.toContain(third!.id);

    for (const [old, clearedSeq] of [[first!, 21], [second!, 23]] as const) {
      const r = await clear(old.id!, "operator");
      expect(r.status).toBe(409);
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ code: "INVALID_STATE", id: old.id, clearedBy: null, clearedSeq, openNowAs: third!.id });
      expect(r.body.detail).toMatch(new RegExp(`bank's own event \\(seq ${clearedSeq}\\).*raised again since as alarm ${third!.id}`));
      // the old opening is still one alarm to read, cleared by the bank
      const one = await call("GET", `/fleet/alarms/${old.id}`, "viewer");
      expect(one.status).toBe(200);
      valid(alarmDetailView, one.body);
      expect(one.body).toMatchObject({ id: old.id, kind: "door_forced", lockerId: "C02", clearedBy: null, clearNote: null, clearedAt: new Date(T0 + clearedSeq * 1000).toISOString() });
    }
    expect(await c02()).toHaveLength(1);

    // cleared by the bank and not raised again: 409 without a newer id
    await ingest([[25, "alarm.door_closed", "C02", {}]]);
    const closed = await clear(third!.id!, "operator");
    expect(closed.status).toBe(409);
    expect(closed.body).toMatchObject({ code: "INVALID_STATE", clearedBy: null, clearedSeq: 25, openNowAs: null });
  });

  it("a sequence conflict cleared by an operator opens again at the bank's next report while it lasts", async () => {
    await report(true);
    const [c] = await openOf("sequence_conflict");
    expect((await clear(c!.id!, "operator", { note: "known: bank restored from backup" })).status).toBe(200);
    expect(await openOf("sequence_conflict")).toEqual([]);
    await report(true);
    const [again] = await openOf("sequence_conflict");
    expect(again!.id).not.toBe(c!.id);
    await report(false);
    expect(await openOf("sequence_conflict")).toEqual([]);
  });
});

it("the routes are in the OpenAPI document with their roles and the note's limits", async () => {
  const doc = (await call("GET", "/openapi.json", "viewer")).body as { paths: Record<string, Record<string, Body>>; components?: unknown };
  const post = doc.paths["/fleet/alarms/{id}/clear"]?.post;
  expect(post).toBeDefined();
  expect(post!["x-roles"]).toEqual(expect.arrayContaining(["operator", "admin"]));
  expect(post!["x-roles"]).not.toContain("viewer");
  expect(JSON.stringify(post!.requestBody)).toContain('"maxLength":500');
  expect(doc.paths["/fleet/alarms/{id}"]?.get).toBeDefined();
  expect(doc.paths["/fleet/alarm-clearings"]?.get).toBeDefined();
});
