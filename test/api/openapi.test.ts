/** The OpenAPI document: generated from the registry, covers every mounted route, and holds together. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { createApi, type Api } from "../../src/api/app.js";
import { createAuth } from "../../src/api/auth.js";
import { openApiPath } from "../../src/api/openapi.js";
import { createLogger } from "../../src/system/logger.js";
import { assignmentView, availabilityView, eventsView, parcelView } from "../../src/api/views.js";
import { bankDeps, call, startBank, TOKENS, until, type TestBank } from "./support.js";

type Json = Record<string, unknown>;

let bank: TestBank;
let api: Api;
let doc: Json;

beforeAll(async () => {
  bank = await startBank();
  api = createApi({ ctx: bank.daemon.ctx, auth: createAuth({ tokens: [], openForSimulator: false }), log: createLogger({ level: "silent" }), doorOf: () => "closed", isReady: () => true, bodyLimitBytes: 16_384, ...bankDeps(bank) });
  const res = await call(bank.url, "/openapi.json", { token: TOKENS.kiosk });
  expect(res.status).toBe(200);
  doc = res.json() as Json;
});
afterAll(async () => {
  api.close();
  await bank.stop();
});

/** Every (method, path) the express app actually routes, read from its router stack. */
function mountedRoutes(): string[] {
  const out = new Set<string>();
  type Layer = { route?: { path: string; methods: Record<string, boolean>; stack: { name: string }[] }; handle: { stack?: unknown } };
  const stack = (api.app as unknown as { router: { stack: Layer[] } }).router.stack;
  for (const layer of stack) {
    // A nested router would hide routes from this walk: routes are declared in the registry instead.
    expect(layer.route === undefined && layer.handle.stack !== undefined, "a router mounted outside the registry").toBe(false);
    // The registry's 405 answers for other methods on a documented path are not routes of their own.
    if (!layer.route || layer.route.stack.some((l) => l.name === "methodNotAllowed")) continue;
    for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== "_all") out.add(`${m} ${openApiPath(layer.route.path)}`);
  }
  return [...out].sort();
}

function resolveRef(ref: string): unknown {
  expect(ref.startsWith("#/")).toBe(true);
  let node: unknown = doc;
  for (const part of ref.slice(2).split("/")) node = (node as Json | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  return node;
}

function refsIn(x: unknown, out: string[] = []): string[] {
  if (Array.isArray(x)) for (const v of x) refsIn(v, out);
  else if (x && typeof x === "object") {
    for (const [k, v] of Object.entries(x)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe("the OpenAPI document", () => {
  it("is served to any valid token and refused without one", async () => {
    expect((await call(bank.url, "/openapi.json")).status).toBe(401);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("describes every route the express app mounts, and nothing else", () => {
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .sort();
    expect(documented).toEqual(mountedRoutes());
    expect(documented.length).toBe(api.routes.length);
  });

  it("is valid-ish OpenAPI 3.1: operations have ids, responses and declared path parameters; every $ref resolves", () => {
    expect((doc.info as Json).title).toBe("lockerd");
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      expect(path.startsWith("/")).toBe(true);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        expect(["get", "post", "put", "delete"]).toContain(method);
        expect(typeof op.operationId).toBe("string");
        expect(ids.has(op.operationId as string)).toBe(false);
        ids.add(op.operationId as string);
        expect(typeof op.summary).toBe("string");
        const responses = op.responses as Record<string, Json>;
        expect(Object.keys(responses).some((s) => /^2\d\d$/.test(s))).toBe(true);
        for (const r of Object.values(responses)) expect(typeof r.description).toBe("string");
        const params = op.parameters as { name: string; in: string; required: boolean; schema: Json }[];
        const inPath = params.filter((p) => p.in === "path").map((p) => p.name);
        expect(inPath.sort()).toEqual([...templated].sort());
        for (const p of params) {
          expect(["path", "query", "header"]).toContain(p.in);
          expect(typeof p.schema).toBe("object");
          if (p.in === "path") expect(p.required).toBe(true);
        }
        const security = op.security as unknown[];
        if ((op["x-roles"] as unknown) === "open") expect(security).toEqual([]);
        else {
          expect(security).toEqual([{ bearer: [] }]);
          expect(responses["401"]).toBeDefined();
          expect(responses["403"]).toBeDefined();
        }
      }
    }
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(resolveRef(ref), ref).toBeTypeOf("object");
    expect((doc.components as Json).securitySchemes).toEqual({ bearer: expect.objectContaining({ type: "http", scheme: "bearer" }) });
  });

  it("takes its request schemas from the validators: the assign body's rules are the ones enforced", () => {
    const op = (doc.paths as Record<string, Record<string, Json>>)["/lockers/assign"]!.post!;
    const schema = ((op.requestBody as Json).content as Record<string, { schema: Json }>)["application/json"]!.schema;
    expect(schema).toMatchObject({ type: "object", required: ["size"], additionalProperties: false });
    expect((schema.properties as Record<string, Json>).size).toMatchObject({ type: "string", enum: bank.daemon.cfg.bank.sizes });
    const events = (doc.paths as Record<string, Record<string, Json>>)["/events"]!.get!;
    const limit = (events.parameters as Json[]).find((p) => p.name === "limit")!;
    expect(limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 1000 });
  });

  it("describes the answers the routes really give", async () => {
    const check = (schema: z.ZodType, value: unknown) => {
      const r = schema.safeParse(value);
      expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    };
    const assigned = await call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "M" } });
    check(assignmentView, assigned.json());
    const id = (assigned.json() as { parcelId: string }).parcelId;
    await until("the deposit", () => bank.daemon.store.parcels.get(id)?.status === "STORED");
    check(parcelView, (await call(bank.url, `/packages/${id}`, { token: TOKENS.monitor })).json());
    check(availabilityView, (await call(bank.url, "/lockers/status", { token: TOKENS.monitor })).json());
    check(eventsView, (await call(bank.url, "/events", { token: TOKENS.monitor })).json());
  });
});
