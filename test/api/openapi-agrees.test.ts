/**
 * The OpenAPI document agrees with the daemon and passes `redocly lint` (issue 24, item 15):
 * servers, the configured sizes, the control-character rule, each page file's real content
 * type, 405 (not 400) for a wrong method on every documented path, and README's role claims.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../cli/harness.js";
import { call, startBank, TOKENS, type TestBank } from "./support.js";

type Json = Record<string, unknown>;
type Op = { "x-roles": string[] | "open"; requestBody?: { content: Record<string, { schema: Json }> }; responses: Record<string, { content?: Record<string, unknown> }> };

let bank: TestBank;
let doc: Json;
let paths: Record<string, Record<string, Op>>;
const dir = mkdtempSync(join(tmpdir(), "lockerd-openapi-"));

beforeAll(async () => {
  bank = await startBank();
  doc = (await call(bank.url, "/openapi.json", { token: TOKENS.monitor })).json() as Json;
  paths = doc.paths as typeof paths;
});
afterAll(async () => {
  await bank.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the OpenAPI document agrees with the daemon", () => {
  it("passes `redocly lint` (recommended rules) with no error and no warning, offline", () => {
    const file = join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules/@redocly/cli/bin/cli.js"), "lint", file, "--format=json"], {
      encoding: "utf8",
      cwd: dir,
      timeout: 90_000,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
    });
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as { problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
    expect(r.status).toBe(0);
  });

  it("names its servers", () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: expect.any(String) })]);
  });

  it("gives assign's size as the bank's configured sizes", () => {
    const schema = paths["/lockers/assign"]!.post!.requestBody!.content["application/json"]!.schema;
    expect((schema.properties as Record<string, Json>).size!.enum).toEqual(bank.daemon.cfg.bank.sizes);
  });

  it("states the control-character rule it enforces on free text", async () => {
    const schema = paths["/lockers/{id}/service"]!.post!.requestBody!.content["application/json"]!.schema;
    const pattern = new RegExp((schema.properties as Record<string, { pattern?: string }>).reason!.pattern!);
    expect(pattern.test("hinge broken\tagain")).toBe(true);
    expect(pattern.test("hinge\u0007broken")).toBe(false);
    const r = await call(bank.url, "/lockers/A01/service", { token: TOKENS.technician, body: { inService: false, reason: "hinge\u0007broken" } });
    expect(r.status).toBe(400);
  });

  it("gives every page file the content type it is served with", async () => {
    for (const path of ["/", "/page/app.js", "/page/common.js", "/page/style.css", "/favicon.svg"]) {
      const documented = Object.keys(paths[path]!.get!.responses["200"]!.content ?? {});
      const served = await call(bank.url, path);
      expect(served.status, path).toBe(200);
      expect(documented, path).toEqual([String(served.headers["content-type"]).split(";")[0]]);
    }
    expect(Object.keys(paths["/page/style.css"]!.get!.responses["200"]!.content!)).toEqual(["text/css"]);
  });

  it("answers 405 with Allow for every method a documented path does not have (GET /lockers/assign included)", async () => {
    const sample: Record<string, string> = { id: "A01", code: "12345678", source: "keypad:main" };
    const wrong: string[] = [];
    for (const [path, ops] of Object.entries(paths)) {
      const concrete = path.replace(/\{(\w+)\}/g, (_m, name: string) => (path.startsWith("/packages") ? "p_0123456789abcdef0123" : (sample[name] ?? "x")));
      for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH"]) {
        if (ops[method.toLowerCase()]) continue;
        const r = await call(bank.url, concrete, { method, token: TOKENS.technician, ...(method === "GET" || method === "DELETE" ? {} : { body: {} }) });
        if (r.status !== 405 || !r.headers.allow) wrong.push(`${method} ${concrete}: ${r.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("README's API section", () => {
  it("gives each endpoint heading the roles the registry allows", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const claims = [...readme.matchAll(/^### `(GET|POST|PUT|DELETE) ([^`?]+)[^`]*` \(([a-z, ]+)\)/gm)];
    expect(claims.length).toBeGreaterThan(5);
    for (const [, method, path, roles] of claims) {
      const op = paths[path!]?.[method!.toLowerCase()];
      expect(op, `${method} ${path}`).toBeDefined();
      const roles_ = op!["x-roles"];
      // technician may do everything: a heading names it only for technician-only routes
      const allowed = roles_ === "open" ? ["open"] : roles_.length === 1 ? roles_ : roles_.filter((r) => r !== "technician");
      const said = roles === "no token" ? ["open"] : roles!.split(/,\s*/);
      expect(said.sort(), `README: ${method} ${path} (${roles})`).toEqual([...allowed].sort());
    }
  });
});
