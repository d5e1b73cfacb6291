/**
 * lockerd-central, the program: its configuration lists every problem with its key path (its
 * modules' settings included), two instances serve one database at once, operator tokens made
 * with the CLI are stored hashed and carry roles, a module's routes are mounted, checked and
 * documented, and errors are problem+json.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRoute } from "../../src/api/registry.js";
import { ConfigError } from "../../src/config/errors.js";
import { migrateCentral } from "../../src/central/apply.js";
import { loadCentralConfig } from "../../src/central/service/config.js";
import { defineModule } from "../../src/central/service/module.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { SOFTWARE_VERSION } from "../../src/system/paths.js";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";
import { runCentralCli, startTestCentralService } from "../support/central-service.js";

const TOKEN_CACHE_MS = 300;

const echoModule = defineModule({
  name: "echo",
  settings: z.object({ greeting: z.string().min(1).default("hello"), times: z.number().int().min(1).default(1) }).strict(),
  routes: (_deps, s) => [
    defineRoute({
      method: "post",
      path: "/echo",
      tag: "echo",
      summary: "Echo a word (operators)",
      access: ["operator"],
      body: z.object({ word: z.string().min(1).max(20) }).strict(),
      responses: { 200: { description: "echoed", schema: z.object({ said: z.string() }) } },
      handler: ({ body }, _req, res) => {
        res.json({ said: `${s.greeting} ${body.word}`.repeat(s.times) });
      },
    }),
  ],
});

describe("lockerd-central configuration", () => {
  it("lists every problem at once, each with its key path, the modules' settings included", () => {
    const dir = mkdtempSync(join(tmpdir(), "central-cfg-"));
    const path = join(dir, "central.json");
    writeFileSync(path, JSON.stringify({ http: { port: "eighty" }, database: { poolSize: 0 }, echo: { times: 0 }, colour: "red" }));
    let err: unknown;
    try {
      loadCentralConfig({ path, env: {}, moduleSettings: { echo: echoModule.settings! } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join("\n");
    expect(problems).toMatch(/^http\.port: .*found "eighty"/m);
    expect(problems).toMatch(/^database\.poolSize: /m);
    expect(problems).toMatch(/^echo\.times: /m);
    expect(problems).toMatch(/unknown key "colour"/);
    expect((err as ConfigError).problems).toHaveLength(4);
  });

  it("takes the database and the listen address from the environment", () => {
    const cfg = loadCentralConfig({ env: { LOCKERD_CENTRAL_URL: "postgresql://c@db.example/central", LOCKERD_CENTRAL_HTTP: "127.0.0.1:9999" } });
    expect(cfg.database.url).toBe("postgresql://c@db.example/central");
    expect(cfg.http.port).toBe(9999);
    expect(() => loadCentralConfig({ env: { LOCKERD_CENTRAL_HTTP: "nowhere" } })).toThrow(/LOCKERD_CENTRAL_HTTP: expected host:port/);
  });

  it("the program refuses a bad configuration with exit code 78 and the list", () => {
    const dir = mkdtempSync(join(tmpdir(), "central-cfg-"));
    const path = join(dir, "central.json");
    writeFileSync(path, JSON.stringify({ http: { port: -1 } }));
    const r = runCentralCli(["serve", "--config", path]);
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/http\.port/);
  });
});

describe("lockerd-central service", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let a: CentralInstance;
  let b: CentralInstance;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    // two instances start at once against one empty database: both migrate, in turn
    [a, b] = await Promise.all(
      ["a", "b"].map((instance) =>
        startTestCentralService({
          dbUrl: db.url,
          instance,
          modules: [echoModule],
          config: { database: { migrate: true }, echo: { greeting: "hi" }, http: { tokenCacheMs: TOKEN_CACHE_MS } },
        }),
      ),
    );
    for (const role of ["viewer", "operator", "carrier", "admin"]) {
      const r = runCentralCli(["token", "create", "--role", role, "--name", `t-${role}`], { LOCKERD_CENTRAL_URL: db.url });
      expect(r.status, r.stderr).toBe(0);
      tokens[role] = /\b(lkc_[A-Za-z0-9_-]{43})\b/.exec(r.stdout)![1]!;
    }
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  const call = (inst: CentralInstance, path: string, token?: string, body?: unknown) =>
    fetch(inst.url + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it("both instances are healthy, on one schema", async () => {
    for (const inst of [a, b]) {
      const r = await call(inst, "/healthz");
      expect(r.status).toBe(200);
      const h = (await r.json()) as { status: string; database: string; schemaVersion: number; version: string };
      expect(h.status).toBe("ok");
      expect(h.version).toBe(SOFTWARE_VERSION);
      expect(h.database).toBe("ok");
      expect(h.schemaVersion).toBeGreaterThanOrEqual(2);
    }
  });

  it("stores tokens only as hashes, and a token made once works on every instance", async () => {
    const rows = await db.admin<{ sha256: Buffer; name: string }>("SELECT sha256, name FROM central.operator_tokens");
    expect(rows.rows).toHaveLength(4);
    const dump = JSON.stringify(rows.rows);
    for (const t of Object.values(tokens)) expect(dump).not.toContain(t);
    for (const inst of [a, b]) {
      const r = await call(inst, "/whoami", tokens.viewer);
      expect(await r.json()).toEqual({ name: "t-viewer", role: "viewer" });
    }
  });

  it("lets each role do what it may: a module's route for operators (admin always), 403 for others, 401 without a valid token", async () => {
    for (const role of ["operator", "admin"]) {
      const r = await call(a, "/echo", tokens[role], { word: "x" });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ said: "hi x" });
    }
    for (const role of ["viewer", "carrier"]) {
      const r = await call(b, "/echo", tokens[role], { word: "x" });
      expect(r.status).toBe(403);
      expect(r.headers.get("content-type")).toMatch(/application\/problem\+json/);
    }
    expect((await call(a, "/echo", undefined, { word: "x" })).status).toBe(401);
    const bad = await call(a, "/echo", "lkc_not-a-token", { word: "x" });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/invalid_token/);
  });

  it("a revoked token stops working on every instance within http.tokenCacheMs", async () => {
    const made = runCentralCli(["token", "create", "--role", "viewer", "--name", "short-lived"], { LOCKERD_CENTRAL_URL: db.url });
    const token = /\b(lkc_[A-Za-z0-9_-]{43})\b/.exec(made.stdout)![1]!;
    expect((await call(b, "/whoami", token)).status).toBe(200);
    const r = runCentralCli(["token", "revoke", "--name", "short-lived"], { LOCKERD_CENTRAL_URL: db.url });
    expect(r.status, r.stderr).toBe(0);
    // a had not seen the token: it asks the database at once
    expect((await call(a, "/whoami", token)).status).toBe(401);
    // b may trust what it checked for TOKEN_CACHE_MS, and not a moment longer
    await new Promise((res) => setTimeout(res, TOKEN_CACHE_MS + 50));
    expect((await call(b, "/whoami", token)).status).toBe(401);
  });

  it("a malformed body is a 400 naming the field", async () => {
    const r = await call(a, "/echo", tokens.operator, { word: "" });
    expect(r.status).toBe(400);
    const p = (await r.json()) as { code: string; field: string };
    expect(p.code).toBe("VALIDATION_FAILED");
    expect(p.field).toBe("word");
  });

  it("describes every route, the modules' included, in the OpenAPI document with the center's roles", async () => {
    const doc = (await (await call(a, "/openapi.json", tokens.viewer)).json()) as { openapi: string; paths: Record<string, Record<string, { "x-roles": unknown }>> };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/echo"]!.post!["x-roles"]).toEqual(["admin", "operator"]);
    expect(doc.paths["/healthz"]!.get!["x-roles"]).toBe("open");
    expect(doc.paths["/whoami"]!.get!["x-roles"]).toEqual(["viewer", "operator", "carrier", "admin"]);
  });

  it("serves Prometheus metrics with request timing by route template", async () => {
    const r = await call(a, "/metrics", tokens.viewer);
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toMatch(/lockerd_central_http_request_duration_seconds_count\{method="POST",route="\/echo",status="200"\}/);
    expect(text).toContain(`lockerd_central_build_info{version="${SOFTWARE_VERSION}",node="${process.versions.node}"} 1`);
  });

  it("an unknown path is a problem+json 404", async () => {
    const r = await call(a, "/nowhere");
    expect(r.status).toBe(404);
    expect(((await r.json()) as { code: string }).code).toBe("NOT_FOUND");
  });

  it("migrate finds nothing left to do", async () => {
    const pg = (await import("pg")).default;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const r = await migrateCentral(c);
      expect(r.from).toBe(r.to);
    } finally {
      await c.end();
    }
  });
});
