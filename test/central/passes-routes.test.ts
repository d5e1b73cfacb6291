/**
 * The passes routes of lockerd-central with the real central PostgreSQL: who may issue what,
 * every bad input a 400 (or 403/404/409) problem naming it, the text a bank verifies with the
 * pass key's public half, nothing signing-capable in the database, and revoking by pass or by
 * courier.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { passesModule } from "../../src/central/passes/module.js";
import { generateKeyPair } from "../../src/signing/ed25519.js";
import { verifyPass } from "../../src/signing/pass.js";
import { startTestCentralService } from "../support/central-service.js";
import { useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 60_000 });

const central = useTestCentral();
const dir = mkdtempSync(join(tmpdir(), "lockerd-central-passes-"));
const key = generateKeyPair();
const trustedKeys = new Map([[key.publicKey.keyId, key.publicKey]]);
let service: CentralInstance;
let keyless: CentralInstance;
let admin: pg.Client;
const tokens: Record<"admin" | "operator" | "viewer" | "dhl" | "ups", string> = { admin: "", operator: "", viewer: "", dhl: "", ups: "" };
let bankA: string;
let bankB: string;

beforeAll(async () => {
  const keyFile = join(dir, "passes.key");
  writeFileSync(keyFile, key.privatePem, { mode: 0o600 });
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [passesModule], config: { passes: { keyFile, courierMaxHours: 24 } } });
  keyless = await startTestCentralService({ dbUrl: central.db.url, modules: [passesModule], instance: "keyless" });
  admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  tokens.admin = await createOperatorToken(admin, "root", "admin");
  tokens.operator = await createOperatorToken(admin, "olga", "operator");
  tokens.viewer = await createOperatorToken(admin, "victor", "viewer");
  tokens.dhl = await createOperatorToken(admin, "dhl", "carrier");
  tokens.ups = await createOperatorToken(admin, "ups", "carrier");
  bankA = (await central.addBank()).bankId;
  bankB = (await central.addBank()).bankId;
});
afterAll(async () => {
  await admin.end();
  await service.stop();
  await keyless.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;
async function call<T = Json>(method: string, path: string, token: string | null, body?: unknown, on = service): Promise<{ status: number; type: string; body: T }> {
  const r = await fetch(`${on.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: r.status, type: r.headers.get("content-type") ?? "", body: (await r.json()) as T };
}

type Issued = { pass: Json & { passId: string; notBefore: string; notAfter: string }; text: string; qrPayload: string };
const returnBody = { reference: "RMA-1001", size: "M", banks: [] as string[], customer: { email: "ann@example.org", language: "de" } };

it("a carrier issues a return pass for itself; the text verifies with the pass key at any bank and carries what was asked", async () => {
  const r = await call<Issued>("POST", "/passes/returns", tokens.dhl, { ...returnBody, reachable: true });
  expect(r.status).toBe(201);
  expect(r.body.qrPayload).toBe(r.body.text);
  expect(r.body.text).toMatch(/^LP1[A-Z2-7]+$/);
  const v = verifyPass(r.body.text, { trustedKeys, bankId: bankA, now: Date.now(), clockSynced: true, graceMs: 0 });
  expect(v).toMatchObject({ ok: true, keyId: key.publicKey.keyId, fields: { kind: "return", passId: r.body.pass.passId, oneTime: true, banks: [], return: { reference: "RMA-1001", size: "M", carrier: "dhl", reachable: true } } });
  expect(r.body.pass).toMatchObject({ kind: "return", carrier: "dhl", reference: "RMA-1001", confirmTo: ["email"], issuedBy: "dhl", keyId: key.publicKey.keyId, returned: null, revokedAt: null });
  // valid for the default 14 days
  const p = r.body.pass;
  expect(Date.parse(p.notAfter) - Date.parse(p.notBefore)).toBe(14 * 86_400_000);
  expect((await call("GET", `/passes/${r.body.pass.passId}`, tokens.viewer)).body).toEqual(r.body.pass);
});

it("nothing in the database can sign or replay: the pass text and the key are stored nowhere", async () => {
  const r = await call<Issued>("POST", "/passes/returns", tokens.operator, { ...returnBody, carrier: "hermes", reference: "RMA-STORE" });
  expect(r.status).toBe(201);
  const dump = JSON.stringify((await admin.query(`SELECT to_jsonb(p) AS row FROM central.passes p`)).rows);
  expect(dump).toContain(r.body.pass.passId);
  expect(dump).not.toContain(r.body.text.slice(3, 40));
  const pemBody = key.privatePem.split("\n").slice(1, -2).join("");
  const everything = JSON.stringify((await admin.query(`SELECT to_jsonb(x) AS row FROM (SELECT * FROM central.passes) x`)).rows) + JSON.stringify((await admin.query(`SELECT * FROM central.pass_revocations`)).rows);
  expect(everything).not.toContain(pemBody);
});

it("a pass row written into the database by hand opens nothing: no route gives it a text, and a pass forged with another key is refused", async () => {
  const passId = "ab".repeat(16);
  await admin.query(
    `INSERT INTO central.passes (pass_id, kind, banks, not_before, not_after, one_time, subject, carrier, key_id, issued_by)
     VALUES ($1, 'courier', '{}', now(), now() + interval '1 day', false, 'dhl:mallory', 'dhl', $2, 'mallory')`,
    [passId, key.publicKey.keyId],
  );
  const shown = await call<Json>("GET", `/passes/${passId}`, tokens.admin);
  expect(shown.status).toBe(200);
  expect(JSON.stringify(shown.body)).not.toMatch(/LP1/);
  // the attacker signs the fields with a key of their own, even naming the real key's id: refused
  const { signPass } = await import("../../src/signing/pass.js");
  const { createPrivateKey } = await import("node:crypto");
  const forged = signPass(
    { kind: "courier", passId, banks: [], notBefore: Date.now() - 1000, notAfter: Date.now() + 3_600_000, oneTime: false, courier: { carrier: "dhl", courierId: "mallory" } },
    createPrivateKey(generateKeyPair().privatePem),
  );
  expect(verifyPass(forged, { trustedKeys, bankId: bankA, now: Date.now(), clockSynced: true, graceMs: 0 })).toMatchObject({ ok: false, reason: "unknown_key" });
});

it("who may issue: carriers returns for themselves only, operators returns and couriers, only admins technicians; readers read", async () => {
  const courier = { carrier: "dhl", courierId: "anna", banks: [bankA, bankB], hours: 8 };
  const cases: [string, string, string | null, unknown, number][] = [
    ["POST", "/passes/returns", null, returnBody, 401],
    ["POST", "/passes/returns", "not-a-token", returnBody, 401],
    ["POST", "/passes/returns", tokens.viewer, returnBody, 403],
    ["POST", "/passes/returns", tokens.ups, { ...returnBody, carrier: "dhl" }, 403],
    ["POST", "/passes/couriers", tokens.dhl, courier, 403],
    ["POST", "/passes/couriers", tokens.viewer, courier, 403],
    ["POST", "/passes/technicians", tokens.operator, { bankId: bankA, technicianId: "tom" }, 403],
    ["GET", "/passes", tokens.dhl, undefined, 403],
    ["POST", "/passes/couriers/revoke", tokens.viewer, { carrier: "dhl", courierId: "anna" }, 403],
  ];
  for (const [method, path, token, body, status] of cases) {
    const r = await call(method, path, token, body);
    expect(r.status, `${method} ${path}`).toBe(status);
    expect(r.type).toContain("application/problem+json");
  }
  const c = await call<Issued>("POST", "/passes/couriers", tokens.operator, courier);
  expect(c.status).toBe(201);
  expect(verifyPass(c.body.text, { trustedKeys, bankId: bankB, now: Date.now(), clockSynced: true, graceMs: 0 })).toMatchObject({ ok: true, fields: { kind: "courier", oneTime: false, courier: { carrier: "dhl", courierId: "anna" } } });
  expect(verifyPass(c.body.text, { trustedKeys, bankId: "elsewhere", now: Date.now(), clockSynced: true, graceMs: 0 })).toMatchObject({ ok: false, reason: "wrong_bank" });
  const t = await call<Issued>("POST", "/passes/technicians", tokens.admin, { bankId: bankA, technicianId: "tom", hours: 2 });
  expect(t.status).toBe(201);
  expect(t.body.pass).toMatchObject({ kind: "technician", banks: [bankA], subject: "technician/tom" });
  const list = await call<{ passes: Json[] }>("GET", `/passes?kind=courier&carrier=dhl&courierId=anna`, tokens.viewer);
  expect(list.body.passes.map((p) => p.passId)).toEqual([c.body.pass.passId]);
});

it("every bad input is a 400 problem naming the field; an unknown bank a 404; limits are the center's", async () => {
  const bad: [string, unknown, string][] = [
    ["/passes/returns", { ...returnBody, extra: 1 }, "extra"],
    ["/passes/returns", { ...returnBody, reference: "" }, "reference"],
    ["/passes/returns", { ...returnBody, reference: "with space" }, "reference"],
    ["/passes/returns", { ...returnBody, size: "XXL-LARGE!" }, "size"],
    ["/passes/returns", { ...returnBody, banks: [bankA, bankA] }, "banks"],
    ["/passes/returns", { ...returnBody, banks: ["no such/bank"] }, "banks"],
    ["/passes/returns", { ...returnBody, validDays: 0 }, "validDays"],
    ["/passes/returns", { ...returnBody, validDays: 31 }, "validDays"],
    ["/passes/returns", { ...returnBody, customer: { email: "not-an-address" } }, "customer"],
    ["/passes/returns", { ...returnBody, customer: { phone: "0151 1234" } }, "customer"],
    ["/passes/returns", { ...returnBody, reachable: "yes" }, "reachable"],
    ["/passes/couriers", { carrier: "dhl", courierId: "anna", hours: 25 }, "hours"],
    ["/passes/couriers", { carrier: "dhl", courierId: "anna", notBefore: "tomorrow" }, "notBefore"],
    ["/passes/couriers", { carrier: "dhl" }, "courierId"],
    ["/passes/technicians", { bankId: bankA, technicianId: "tom", hours: 13 }, "hours"],
    ["/passes/technicians", { technicianId: "tom" }, "bankId"],
  ];
  for (const [path, body, field] of bad) {
    const r = await call<Json>("POST", path, tokens.admin, body);
    expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(400);
    expect(r.type).toContain("application/problem+json");
    expect(JSON.stringify(r.body), `${path} ${JSON.stringify(body)}`).toContain(field);
  }
  const notJson = await call("POST", "/passes/returns", tokens.admin, "{not json");
  expect(notJson.status).toBe(400);
  const unknown = await call<Json>("POST", "/passes/returns", tokens.admin, { ...returnBody, banks: ["nowhere"] });
  expect(unknown).toMatchObject({ status: 404, body: { code: "NOT_FOUND", missing: ["nowhere"] } });
  expect((await call("GET", "/passes/not-a-pass-id", tokens.viewer)).status).toBe(400);
  expect((await call("GET", `/passes/${"0".repeat(32)}`, tokens.viewer)).status).toBe(404);
  expect((await call("GET", "/passes?limit=0", tokens.viewer)).status).toBe(400);
  expect((await call("GET", "/passes?courierId=anna", tokens.viewer)).status).toBe(400);
  expect((await call("POST", `/passes/${"0".repeat(32)}/revoke`, tokens.operator, {})).status).toBe(404);
  expect((await call("POST", `/passes/${"0".repeat(32)}/revoke`, tokens.operator, { reason: "" })).status).toBe(400);
});

it("an instance without a pass key refuses to issue (409) but lists and revokes", async () => {
  const r = await call<Json>("POST", "/passes/returns", tokens.dhl, returnBody, keyless);
  expect(r).toMatchObject({ status: 409, body: { code: "INVALID_STATE" } });
  expect(String(r.body.detail ?? r.body.title)).toContain("passes.keyFile");
  expect((await call("GET", "/passes?limit=1", tokens.viewer, undefined, keyless)).status).toBe(200);
});

it("revoking a courier covers all their passes at every bank until the last expires, and no new pass is issued to them meanwhile", async () => {
  const a = await call<Issued>("POST", "/passes/couriers", tokens.operator, { carrier: "gls", courierId: "ben", banks: [bankA], hours: 4 });
  const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const b = await call<Issued>("POST", "/passes/couriers", tokens.operator, { carrier: "gls", courierId: "ben", notBefore: later, hours: 20 });
  expect([a.status, b.status]).toEqual([201, 201]);
  const r = await call<{ revocation: Json & { notAfter: string }; passes: number }>("POST", "/passes/couriers/revoke", tokens.operator, { carrier: "gls", courierId: "ben", reason: "left the company" });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ passes: 2, revocation: { subject: "gls:ben", passId: null, banks: [], reason: "left the company", revokedBy: "olga" } });
  // kept until the later pass has expired
  expect(r.body.revocation.notAfter).toBe(b.body.pass.notAfter);
  expect((await call<Json>("GET", `/passes/${a.body.pass.passId}`, tokens.viewer)).body).toMatchObject({ revokedBy: "olga" });
  const again = await call<Json>("POST", "/passes/couriers", tokens.operator, { carrier: "gls", courierId: "ben" });
  expect(again).toMatchObject({ status: 409, body: { code: "INVALID_STATE", subject: "gls:ben" } });
  const live = await call<{ revocations: Json[] }>("GET", "/passes/revocations?live=true", tokens.viewer);
  expect(live.body.revocations.some((x) => x.subject === "gls:ben")).toBe(true);
});

it("an admin revokes every pass of a technician (as the bank names them: technician/<id>); an operator may not", async () => {
  const t = await call<Issued>("POST", "/passes/technicians", tokens.admin, { bankId: bankB, technicianId: "tina", hours: 3 });
  expect(t.status).toBe(201);
  expect((await call("POST", "/passes/technicians/revoke", tokens.operator, { technicianId: "tina" })).status).toBe(403);
  expect((await call("POST", "/passes/technicians/revoke", tokens.admin, { technicianId: "no/slash" })).status).toBe(400);
  const r = await call<{ revocation: Json; passes: number }>("POST", "/passes/technicians/revoke", tokens.admin, { technicianId: "tina" });
  expect(r).toMatchObject({ status: 200, body: { passes: 1, revocation: { subject: "technician/tina", banks: [] } } });
  expect((await call<Json>("POST", "/passes/technicians", tokens.admin, { bankId: bankB, technicianId: "tina" })).status).toBe(409);
});

it("revoking one pass names its banks and lasts until it expires; revoking it again answers the same revocation", async () => {
  const p = await call<Issued>("POST", "/passes/returns", tokens.dhl, { ...returnBody, reference: "RMA-REVOKE", banks: [bankB] });
  const r1 = await call<Json>("POST", `/passes/${p.body.pass.passId}/revoke`, tokens.operator, { reason: "customer cancelled" });
  expect(r1).toMatchObject({ status: 200, body: { passId: p.body.pass.passId, subject: null, banks: [bankB], notAfter: p.body.pass.notAfter } });
  const r2 = await call<Json>("POST", `/passes/${p.body.pass.passId}/revoke`, tokens.operator, {});
  expect(r2.body).toEqual(r1.body);
  const rows = await admin.query(`SELECT count(*)::int AS n FROM central.pass_revocations WHERE pass_id = $1`, [p.body.pass.passId]);
  expect(rows.rows[0].n).toBe(1);
  // ended an hour ago: a bank with an unsynced clock may still honour it, so it is revoked; ended
  // two days ago: no bank honours it (the clock grace is at most a day)
  for (const [id, ended, status] of [["c1".repeat(16), "1 hour", 200], ["c2".repeat(16), "2 days", 409]] as const) {
    await admin.query(
      `INSERT INTO central.passes (pass_id, kind, banks, not_before, not_after, one_time, carrier, reference, size, key_id, issued_by)
       VALUES ($1, 'return', '{}', now() - interval '9 days', now() - $2::interval, true, 'dhl', 'RMA-OLD', 'S', $3, 'dhl')`,
      [id, ended, key.publicKey.keyId],
    );
    expect((await call("POST", `/passes/${id}/revoke`, tokens.operator, {})).status, ended).toBe(status);
  }
});

it("the OpenAPI document describes the passes routes with their schemas and roles", async () => {
  const doc = (await call("GET", "/openapi.json", tokens.viewer)).body as unknown as { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, unknown> } };
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/passes/returns", "/passes/couriers", "/passes/technicians", "/passes", "/passes/{passId}", "/passes/{passId}/revoke", "/passes/couriers/revoke"]));
  expect(doc.paths["/passes/returns"]!.post!["x-roles"]).toEqual(expect.arrayContaining(["carrier", "operator", "admin"]));
  expect(doc.paths["/passes/technicians"]!.post!["x-roles"]).toEqual(["admin"]);
  expect(doc.components.schemas).toHaveProperty("ReturnPassRequest");
  expect(doc.components.schemas).toHaveProperty("IssuedPass");
  // README's table of the passes routes names the roles the registry allows (admin may do everything)
  const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
  const rows = [...readme.matchAll(/^\| (`(?:GET|POST) \/(?:passes|returns)[^|]*) \| ([a-z, ]+) \|/gm)];
  expect(rows.length).toBeGreaterThanOrEqual(8);
  for (const [, ops, roles] of rows) {
    for (const [, method, path] of ops!.matchAll(/`(GET|POST) ([^`?]+)[^`]*`/g)) {
      const allowed = doc.paths[path!]?.[method!.toLowerCase()]?.["x-roles"] as string[] | undefined;
      expect(allowed, `${method} ${path}`).toBeDefined();
      const said = roles!.split(/,\s*/);
      expect([...said, "admin"].filter((r, i, a) => a.indexOf(r) === i).sort(), `README: ${method} ${path}`).toEqual([...allowed!].sort());
    }
  }
});
