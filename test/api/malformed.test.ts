/**
 * Malformed input of every kind — bad JSON, wrong types, huge bodies, odd unicode, SQL and path
 * tricks in ids and codes — gets a 4xx problem (never a stack trace) and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, snapshot, startBank, TOKENS, type RequestOptions, type TestBank } from "./support.js";

let bank: TestBank;
let parcelId: string;

beforeAll(async () => {
  bank = await startBank({ person: false });
  // One parcel assigned (door left as is), so ids and states exist to be tricked.
  const a = await call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "S", parcel: "REF-1" } });
  expect(a.status).toBe(201);
  parcelId = (a.json() as { parcelId: string }).parcelId;
});
afterAll(() => bank.stop());

const T = TOKENS.technician;
interface Case {
  name: string;
  path: string;
  opts: RequestOptions;
  status: number;
  code: string;
}

const big = "x".repeat(40_000);
const sqlish = "' OR 1=1 --";
const cases = (): Case[] => [
  // bad JSON
  { name: "truncated JSON", path: "/lockers/assign", opts: { body: '{"size":' }, status: 400, code: "VALIDATION_FAILED" },
  { name: "JSON with a trailing comma", path: "/lockers/assign", opts: { body: '{"size":"S",}' }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a JSON array instead of an object", path: "/lockers/assign", opts: { body: '["S"]' }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a bare JSON string", path: "/lockers/assign", opts: { body: '"S"' }, status: 400, code: "VALIDATION_FAILED" },
  { name: "JSON null", path: "/lockers/assign", opts: { body: "null" }, status: 400, code: "VALIDATION_FAILED" },
  { name: "an empty body", path: "/lockers/assign", opts: { body: "" }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a prototype-pollution key", path: "/lockers/assign", opts: { body: '{"size":"S","__proto__":{"admin":true}}' }, status: 400, code: "VALIDATION_FAILED" },
  // wrong types and unknown fields
  { name: "size as a number", path: "/lockers/assign", opts: { body: { size: 5 } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "size as an array", path: "/lockers/assign", opts: { body: { size: ["S"] } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "an unknown size", path: "/lockers/assign", opts: { body: { size: "XXL" } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "an unknown field", path: "/lockers/assign", opts: { body: { size: "S", admin: true } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "parcel ref as an object", path: "/lockers/assign", opts: { body: { size: "S", parcel: { $ne: 1 } } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "force as a string", path: "/lockers/A02/open", opts: { body: { force: "true" } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "inService missing", path: "/lockers/A02/service", opts: { body: { reason: "x" } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a deadline that is not a date", path: `/packages/${parcelId}/deadline`, opts: { body: { expiresAt: "tomorrow" } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a deadline as a huge number", path: `/packages/${parcelId}/deadline`, opts: { body: { expiresAt: 1e300 } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a pickup code as a number", path: "/pickup", opts: { body: { code: 12345678 } }, status: 400, code: "VALIDATION_FAILED" },
  // size limits
  { name: "a body over the limit", path: "/lockers/assign", opts: { body: { size: "S", parcel: big } }, status: 413, code: "PAYLOAD_TOO_LARGE" },
  { name: "a parcel ref over its length", path: "/lockers/assign", opts: { body: { size: "S", parcel: "R".repeat(65) } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a reason over its length", path: "/lockers/A02/service", opts: { body: { inService: false, reason: "r".repeat(201) } }, status: 400, code: "VALIDATION_FAILED" },
  // content types
  { name: "a form body", path: "/lockers/assign", opts: { body: "size=S", headers: { "content-type": "application/x-www-form-urlencoded" } }, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { name: "a text body", path: "/lockers/assign", opts: { body: '{"size":"S"}', headers: { "content-type": "text/plain" } }, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { name: "a body with no content type", path: "/lockers/assign", opts: { body: '{"size":"S"}', headers: { "content-type": "" } }, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { name: "an unknown charset", path: "/lockers/assign", opts: { body: '{"size":"S"}', headers: { "content-type": "application/json; charset=ebcdic" } }, status: 400, code: "VALIDATION_FAILED" },
  // odd unicode
  { name: "a NUL in the size", path: "/lockers/assign", opts: { body: { size: "S\u0000" } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a full-width size letter", path: "/lockers/assign", opts: { body: { size: "\uff33" } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a right-to-left override in a parcel ref", path: "/lockers/assign", opts: { body: { size: "S", parcel: "REF\u202e1" } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a lone surrogate in a reason", path: "/lockers/A02/service", opts: { body: '{"inService":false,"reason":"broken \\ud800"}' }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a control character in a reason", path: "/lockers/A02/service", opts: { body: { inService: false, reason: "bell\u0007" } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "invalid UTF-8 bytes", path: "/lockers/assign", opts: { body: Buffer.from([0x7b, 0x22, 0x73, 0x69, 0x7a, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]) }, status: 400, code: "VALIDATION_FAILED" },
  // SQL and path tricks in ids
  { name: "SQL in a locker id", path: `/lockers/${encodeURIComponent(`A01${sqlish}`)}/open`, opts: { body: {} }, status: 400, code: "VALIDATION_FAILED" },
  { name: "SQL in a parcel id", path: `/packages/${encodeURIComponent(`p_0${sqlish}`)}`, opts: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "an encoded path traversal as a parcel id", path: "/packages/..%2F..%2Fetc", opts: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "an encoded traversal before an action", path: "/packages/..%2F..%2Fetc/cancel", opts: { body: {} }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a NUL in a locker id", path: "/lockers/A0%00/service", opts: { body: { inService: true } }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a broken percent-encoding", path: "/packages/%E0%A4%A", opts: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "a lower-case locker id", path: "/lockers/a01/open", opts: { body: {} }, status: 400, code: "VALIDATION_FAILED" },
  { name: "a locker that does not exist", path: "/lockers/Z99/open", opts: { body: {} }, status: 404, code: "LOCKER_NOT_FOUND" },
  { name: "a parcel that does not exist", path: "/packages/p_ffffffffffffffffffff/cancel", opts: { body: {} }, status: 404, code: "PARCEL_NOT_FOUND" },
  // queries and headers
  { name: "a negative sequence number", path: "/events?after=-1", opts: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "a sequence number that is not a number", path: "/events?after=abc", opts: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "a repeated query key", path: "/events?after=1&after=2", opts: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "a limit too large", path: "/events?limit=100000", opts: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "SQL in an event type filter", path: `/events?type=${encodeURIComponent("x'; DROP TABLE events; --")}`, opts: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "an unknown query key", path: "/lockers/status?debug=1", opts: {}, status: 400, code: "VALIDATION_FAILED" },
  { name: "a bad Last-Event-ID", path: "/events/stream", opts: { headers: { "last-event-id": "1; DROP" } }, status: 400, code: "VALIDATION_FAILED" },
  // routes and methods
  { name: "an unknown route", path: "/admin", opts: {}, status: 404, code: "NOT_FOUND" },
  { name: "a known path with the wrong method", path: "/lockers/assign", opts: { method: "DELETE" }, status: 405, code: "METHOD_NOT_ALLOWED" },
  { name: "a dot-dot path", path: "/lockers/../../etc/passwd", opts: {}, status: 404, code: "NOT_FOUND" },
];

describe("malformed input", () => {
  it("every kind gets its 4xx problem with a stable code and no stack trace, and changes nothing", async () => {
    const before = snapshot(bank.daemon);
    for (const c of cases()) {
      const res = await call(bank.url, c.path, { token: T, ...c.opts });
      expect(res.status, c.name).toBe(c.status);
      expect(res.headers["content-type"], c.name).toMatch(/^application\/problem\+json/);
      const body = res.json() as Record<string, unknown>;
      expect(body, c.name).toMatchObject({ code: c.code, status: c.status, title: c.code });
      expect(typeof body.message, c.name).toBe("string");
      expect(res.text, c.name).not.toMatch(/\n\s+at |node_modules|\/src\//);
      if (c.status === 405) expect(res.headers.allow).toBe("POST, OPTIONS");
    }
    expect(snapshot(bank.daemon)).toBe(before);
  });

  it("a validation problem names the field at fault", async () => {
    const res = await call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "S", parcel: 7 } });
    expect(res.json()).toMatchObject({ code: "VALIDATION_FAILED", field: "parcel", in: "body" });
    const q = await call(bank.url, "/events?limit=0", { token: T });
    expect(q.json()).toMatchObject({ field: "limit", in: "query" });
  });

  it("SQL and odd characters as a pickup code are only a wrong code: no parcel or locker changes", async () => {
    const state = () => JSON.stringify({ p: bank.daemon.store.db.prepare("SELECT * FROM parcels").all(), l: bank.daemon.store.db.prepare("SELECT * FROM lockers").all() });
    const before = state();
    const seqBefore = bank.daemon.store.events.lastSeq();
    for (const code of [sqlish, "1' UNION SELECT code_hash FROM parcels --", "../../etc/passwd", "\u0000\u0000", "١٢٣٤٥٦٧٨"]) {
      const res = await call(bank.url, "/pickup", { token: TOKENS.kiosk, body: { code } });
      expect([403, 429], code).toContain(res.status);
      expect((res.json() as { code: string }).code).toMatch(/^(INVALID_CODE|TOO_MANY_ATTEMPTS)$/);
    }
    const inPath = await call(bank.url, `/pickup/${encodeURIComponent(sqlish)}`, { token: TOKENS.kiosk, method: "POST" });
    expect([403, 429]).toContain(inPath.status);
    expect(state()).toBe(before);
    const added = bank.daemon.store.events.after(seqBefore, 100).map((e) => e.type);
    // Only the wrong codes themselves are recorded (and the limiter's alarm once it trips).
    expect(added.every((t) => t === "pickup.rejected" || t === "alarm.pickup_lockout"), added.join(", ")).toBe(true);
  });

  it("OPTIONS answers which methods a path allows", async () => {
    const res = await call(bank.url, "/lockers/status", { method: "OPTIONS" });
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe("GET, HEAD, OPTIONS");
  });
});
