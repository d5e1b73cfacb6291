/**
 * The real daemon as its own process on a temp database and port 0, driven over HTTP the way a
 * courier's handheld and a kiosk would: assign → the simulated person deposits → pickup → the
 * locker is free again; the bank fills up; malformed requests; SIGTERM stops it cleanly.
 */
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon-process.js";
import { tempDir } from "../support/bank.js";

let dir: string;
let daemon: DaemonProcess | undefined;
/** Every pickup code the daemon handed out, to prove none reaches its log. */
const issuedCodes: string[] = [];

beforeAll(async () => {
  dir = tempDir("lockerd-e2e-");
  const config = join(dir, "lockerd.json");
  writeFileSync(
    config,
    JSON.stringify({
      dataDir: "data",
      hardware: { sim: { person: { enabled: true, openDelayMs: 50, closeDelayMs: 300 } } },
      log: { level: "debug" },
    }),
  );
  daemon = await startDaemonProcess({ db: join(dir, "bank.db"), config });
});

afterAll(async () => {
  if (daemon && daemon.proc.exitCode === null) await daemon.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; json: Record<string, unknown>; type: string }> {
  const init: RequestInit = { method, headers: {} };
  if (raw !== undefined || body !== undefined) {
    init.headers = { "content-type": "application/json" };
    init.body = raw ?? JSON.stringify(body);
  }
  const res = await fetch(daemon!.url + path, init);
  const text = await res.text();
  const code = /"pickupCode":"([0-9]+)"/.exec(text)?.[1];
  if (code) issuedCodes.push(code);
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, type: res.headers.get("content-type") ?? "" };
}

/** Poll until check passes (the simulated person moves doors on real timers). */
async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Locker = { id: string; size: string; status: string; door: string };
const status = async () => (await call("GET", "/lockers/status")).json as { lockers: Locker[]; available: Record<string, number> };

describe("the daemon over HTTP", () => {
  it("is healthy and listens on the port it logged", async () => {
    expect(daemon!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await call("GET", "/healthz")).toMatchObject({ status: 200, json: { status: "ok" } });
    const s = await status();
    expect(s.lockers).toHaveLength(24);
    expect(s.available).toEqual({ S: 8, M: 8, L: 8 });
    expect(s.lockers[0]).toMatchObject({ id: "A01", size: "S", status: "AVAILABLE", door: "closed" });
    // The code secret was created next to the configured data dir, readable only by us.
    const secret = join(dir, "data", "secret.key");
    expect(existsSync(secret)).toBe(true);
    expect(statSync(secret).mode & 0o077).toBe(0);
  });

  it("assign → deposit → pickup → the locker is free again", async () => {
    const assigned = await call("POST", "/lockers/assign", { size: "M", parcel: "TRACK-0001" });
    expect(assigned.status).toBe(201);
    const a = assigned.json as { parcelId: string; lockerId: string; size: string; pickupCode: string; expiresAt: string };
    expect(a).toMatchObject({ lockerId: "A05", size: "M", parcelSize: "M" });
    expect(a.pickupCode).toMatch(/^[0-9]{11}$/);
    expect(Date.parse(a.expiresAt) - Date.now()).toBeGreaterThan(71 * 3_600_000);

    // The simulated person opens and closes the door: the parcel is stored.
    const stored = await until("the deposit", () => call("GET", `/packages/${a.parcelId}`), (r) => r.json.status === "STORED");
    expect(stored.json).toMatchObject({ parcelId: a.parcelId, lockerId: "A05", trackingRef: "TRACK-0001", size: "M", inLocker: true });
    expect(stored.json).not.toHaveProperty("pickupCode");
    expect((await status()).lockers.find((l) => l.id === "A05")!.status).toBe("OCCUPIED");

    // A wrong code is refused without saying why; the right one opens the door.
    const wrong = a.pickupCode === "00000000" ? "11111111" : "00000000";
    expect(await call("POST", "/pickup", { code: wrong })).toMatchObject({ status: 403, json: { code: "INVALID_CODE" } });
    const picked = await call("POST", "/pickup", { code: a.pickupCode });
    expect(picked).toMatchObject({ status: 200, json: { parcelId: a.parcelId, lockerId: "A05" } });

    await until("the locker to be free", status, (s) => s.lockers.find((l) => l.id === "A05")!.status === "AVAILABLE");
    const done = await call("GET", `/packages/${a.parcelId}`);
    expect(done.json).toMatchObject({ status: "PICKED_UP", inLocker: false });
    expect(typeof done.json.pickedUpAt).toBe("string");
    // The code worked once.
    expect(await call("POST", `/pickup/${a.pickupCode}`, {})).toMatchObject({ status: 403, json: { code: "INVALID_CODE" } });
  });

  it("POST /pickup/{code} works too", async () => {
    const a = (await call("POST", "/lockers/assign", { size: "L" })).json as { parcelId: string; pickupCode: string; lockerId: string };
    await until("the deposit", () => call("GET", `/packages/${a.parcelId}`), (r) => r.json.status === "STORED");
    expect(await call("POST", `/pickup/${a.pickupCode}`)).toMatchObject({ status: 200, json: { parcelId: a.parcelId, lockerId: a.lockerId } });
    await until("the pickup", () => call("GET", `/packages/${a.parcelId}`), (r) => r.json.status === "PICKED_UP" && r.json.inLocker === false);
  });

  it("answers malformed requests with 400 naming the field, never 500", async () => {
    const cases: [string, string, unknown, string | undefined, string][] = [
      ["POST", "/lockers/assign", undefined, "{ not json", "body"],
      ["POST", "/lockers/assign", {}, undefined, "size"],
      ["POST", "/lockers/assign", { size: 5 }, undefined, "size"],
      ["POST", "/lockers/assign", { size: "XL" }, undefined, "size"],
      ["POST", "/lockers/assign", { size: "S", parcel: "has space" }, undefined, "parcel"],
      ["POST", "/lockers/assign", { size: "S", colour: "red" }, undefined, "colour"],
      ["POST", "/lockers/assign", undefined, "[1,2]", "body"],
      ["POST", "/pickup", { code: 12345678 }, undefined, "code"],
      ["POST", "/pickup", undefined, "\"just a string\"", "body"],
      ["GET", "/packages/not-a-parcel-id", undefined, undefined, "id"],
    ];
    for (const [method, path, body, raw, field] of cases) {
      const r = await call(method, path, body, raw);
      expect(r.status, `${method} ${path} ${raw ?? JSON.stringify(body)}`).toBe(400);
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(r.json.code).toBe("VALIDATION_FAILED");
      expect(String(r.json.field), `${method} ${path} ${raw ?? JSON.stringify(body)}`).toContain(field);
      expect(String(r.json.message)).toContain(field);
    }
    expect(await call("GET", "/packages/p_00000000000000000000")).toMatchObject({ status: 404, json: { code: "PARCEL_NOT_FOUND" } });
    expect(await call("GET", "/no/such/route")).toMatchObject({ status: 404, json: { code: "NOT_FOUND" } });
    // The daemon logged no unhandled error for any of these.
    expect(daemon!.logs.filter((l) => l.msg === "unhandled error in request")).toEqual([]);
  });

  it("fills up: 24 parcels, then 409 NO_LOCKER_AVAILABLE for every size", async () => {
    const got: string[] = [];
    for (const size of ["S", "M", "L"]) {
      for (;;) {
        const r = await call("POST", "/lockers/assign", { size });
        if (r.status === 409) {
          expect(r.json).toMatchObject({ code: "NO_LOCKER_AVAILABLE", status: 409 });
          break;
        }
        expect(r.status).toBe(201);
        got.push(r.json.lockerId as string);
      }
    }
    expect(got).toHaveLength(24);
    expect(new Set(got).size).toBe(24);
    const s = await until("every deposit", status, (v) => v.lockers.every((l) => l.status === "OCCUPIED"));
    expect(s.available).toEqual({ S: 0, M: 0, L: 0 });
    for (const size of ["S", "M", "L"]) expect(await call("POST", "/lockers/assign", { size })).toMatchObject({ status: 409, json: { code: "NO_LOCKER_AVAILABLE" } });
  });

  it("stops cleanly on SIGTERM with exit code 0", async () => {
    expect(await daemon!.stop("SIGTERM")).toBe(0);
    expect(daemon!.logs.some((l) => l.msg === "stopped")).toBe(true);
    // Never logs a pickup code, not even the ones used in request paths.
    expect(issuedCodes.length).toBeGreaterThan(24);
    // (Numeric fields such as times and durations are left out: their digits could match by chance.)
    const everything = daemon!.logs.map(({ time: _t, ms: _m, pid: _p, ...l }) => JSON.stringify(l)).join("\n") + daemon!.stderr();
    for (const c of issuedCodes) expect(everything).not.toContain(c);
    expect(daemon!.logs.some((l) => typeof l.path === "string" && l.path.startsWith("/pickup/[redacted]"))).toBe(true);
  });
});
