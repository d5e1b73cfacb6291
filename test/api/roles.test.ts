/** Who may do what: every route in the registry refuses missing and wrong tokens and the wrong roles. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { createAuth, ROLES, type Role } from "../../src/api/auth.js";
import { rolesOf, type Route } from "../../src/api/registry.js";
import { createLogger } from "../../src/system/logger.js";
import { bankDeps, call, startBank, TOKENS, type TestBank } from "./support.js";

/** The role table, written out so a changed allow list cannot pass unnoticed. */
const EXPECTED: Record<string, Role[] | "open" | "any"> = {
  "GET /healthz": "open",
  "GET /lockouts": ["monitor", "technician"],
  "DELETE /lockouts/:source": ["technician"],
  "GET /openapi.json": "any",
  "GET /daemon": ["technician"],
  "GET /metrics": ["monitor", "technician"],
  "POST /lockers/assign": ["courier", "technician"],
  "GET /lockers/status": ["courier", "kiosk", "monitor", "technician"],
  "GET /lockers/:id": ["courier", "kiosk", "monitor", "technician"],
  "POST /lockers/:id/open": ["technician"],
  "POST /lockers/:id/service": ["technician"],
  "GET /lockers/health": ["monitor", "technician"],
  "GET /lockers/:id/health": ["monitor", "technician"],
  "POST /lockers/:id/move": ["technician"],
  "POST /pickup": ["kiosk", "technician"],
  "POST /pickup/:code": ["kiosk", "technician"],
  "GET /packages": ["courier", "monitor", "technician"],
  "GET /packages/:id": ["courier", "monitor", "technician"],
  "POST /packages/:id/cancel": ["courier", "technician"],
  "POST /packages/:id/collect": ["courier", "technician"],
  "POST /packages/:id/deadline": ["technician"],
  "GET /events": ["monitor", "technician"],
  "GET /events/stream": ["kiosk", "monitor", "technician"],
  "GET /events/types": "any",
  "GET /sync": ["monitor", "technician"],
  "POST /sync/now": ["technician"],
  "GET /couriers": ["technician"],
  "GET /commands": ["technician", "monitor"],
  "GET /bank": ["courier", "kiosk", "monitor", "technician"],
  "POST /sim/doors/:id": ["technician"],
  "POST /sim/hardware": ["technician"],
  "POST /sim/keypad": ["technician"],
  "POST /sim/scanner": ["technician"],
  "GET /": "open",
  "GET /page/app.js": "open",
  "GET /page/common.js": "open",
  "GET /page/style.css": "open",
  "GET /favicon.svg": "open",
};

const samplePath = (path: string) =>
  path
    .replace(/^\/lockers\/:id/, "/lockers/A01")
    .replace(/^\/packages\/:id/, "/packages/p_00000000000000000000")
    .replace(/^\/sim\/doors\/:id/, "/sim/doors/A01")
    .replace(":file", "app.js")
    .replace(":code", "12345678");

const key = (r: Route) => `${r.method.toUpperCase()} ${r.path}`;

let bank: TestBank;
let routes: readonly Route[];

beforeAll(async () => {
  bank = await startBank({ person: false });
  // The same registry the daemon mounted, read from an app built on the same bank.
  const api = createApi({ ctx: bank.daemon.ctx, auth: createAuth({ tokens: [], openForSimulator: false }), log: createLogger({ level: "silent" }), doorOf: () => "closed", isReady: () => true, bodyLimitBytes: 16_384, ...bankDeps(bank) });
  routes = api.routes;
  api.close();
});
afterAll(() => bank.stop());

const send = (r: Route, opts: { token?: string | null; headers?: Record<string, string> }) =>
  call(bank.url, samplePath(r.path), { method: r.method.toUpperCase(), ...opts, ...(r.method === "post" ? { body: {} } : {}), headersOnly: r.path === "/events/stream" });

describe("roles", () => {
  it("every route in the registry has its row in the role table, with the roles the issue gives it", () => {
    expect(routes.map(key).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const r of routes) {
      const want = EXPECTED[key(r)]!;
      const got = rolesOf(r);
      if (want === "open") expect(got, key(r)).toBeNull();
      else if (want === "any") expect(got?.sort(), key(r)).toEqual([...ROLES].sort());
      else expect(got?.sort(), key(r)).toEqual([...want].sort());
    }
  });

  it("a request without a token, or with a wrong or malformed one, gets 401 with WWW-Authenticate on every closed route", async () => {
    const wrong = [
      {},
      { token: "not-a-token-we-know-0123456789" },
      { token: TOKENS.technician + "x" },
      { headers: { authorization: "Basic dXNlcjpwYXNz" } },
      { headers: { authorization: "Bearer" } },
      { headers: { authorization: `Bearer ${TOKENS.technician} extra` } },
    ];
    for (const r of routes.filter((x) => rolesOf(x) !== null)) {
      for (const w of wrong) {
        const res = await send(r, w);
        expect(res.status, `${key(r)} ${JSON.stringify(w)}`).toBe(401);
        expect(res.headers["www-authenticate"]).toMatch(/^Bearer realm="lockerd"/);
        if (!r.path.endsWith("/stream")) expect(res.json()).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
      }
    }
  });

  it("a valid token of a role the route does not allow gets 403 FORBIDDEN; an allowed role gets past the check", async () => {
    for (const r of routes) {
      const allowed = rolesOf(r) ?? [...ROLES];
      for (const role of ROLES) {
        const res = await send(r, { token: TOKENS[role] });
        const what = `${key(r)} as ${role}`;
        if (allowed.includes(role)) {
          expect(res.status, what).not.toBe(401);
          if (res.status === 403) expect((res.json() as { code: string }).code, what).not.toBe("FORBIDDEN");
        } else {
          expect(res.status, what).toBe(403);
          expect(res.json(), what).toMatchObject({ code: "FORBIDDEN", role });
        }
      }
    }
  });

  it("health stays open without a token", async () => {
    const res = await call(bank.url, "/healthz");
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: "ok" });
  });

  it("the bearer scheme name is case-insensitive", async () => {
    const res = await call(bank.url, "/lockers/status", { headers: { authorization: `bearer ${TOKENS.monitor}` } });
    expect(res.status).toBe(200);
  });
});

describe("a bank without tokens", () => {
  it("is open on loopback when it is simulated (quick start), every caller a technician", async () => {
    const b = await startBank({ tokens: false });
    try {
      expect((await call(b.url, "/lockers/A01/open", { body: {} })).status).toBe(202);
    } finally {
      await b.stop();
    }
  });

  it("is closed when it is not simulated: no token gets anything but 401", () => {
    const auth = createAuth({ tokens: [], openForSimulator: false });
    const req = { headers: {}, socket: {} } as Parameters<typeof auth.identify>[0];
    expect(auth.identify(req)).toBeNull();
    expect(() => auth.allow("monitor")(req, { locals: {} } as never, () => undefined)).toThrow(/bearer token/);
  });

  it("with LOCKERD_API_TOKEN only, that token is a technician and nothing else gets in", async () => {
    const b = await startBank({ tokens: false, env: { LOCKERD_API_TOKEN: "env-technician-token-123456" } });
    try {
      expect((await call(b.url, "/lockers/status")).status).toBe(401);
      expect((await call(b.url, "/lockers/status", { token: "env-technician-token-123456" })).status).toBe(200);
    } finally {
      await b.stop();
    }
  });
});
