/**
 * Issue 24 item 1: a courier's client that retries POST /lockers/assign after a lost answer
 * sends the same Idempotency-Key and gets the first answer again — the same locker, the same
 * code — instead of a second locker and a second door. For a day; another body is a 422.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank | null = null;
afterEach(async () => {
  await tb?.dispose();
  tb = null;
});

async function post(path: string, body: unknown, key?: string) {
  const res = await fetch(`${tb!.daemon.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, replayed: res.headers.get("idempotent-replayed"), json: (await res.json()) as Record<string, unknown> };
}

describe("Idempotency-Key", () => {
  it("answers a repeated assign with the first answer, opening no second door, and keeps the answer sealed", async () => {
    tb = await createTestBank({ daemon: { http: true } });
    const first = await post("/lockers/assign", { size: "S", parcel: "RETRY-1" }, "courier-7f3a-0001");
    expect(first.status).toBe(201);
    const again = await post("/lockers/assign", { size: "S", parcel: "RETRY-1" }, "courier-7f3a-0001");
    expect(again).toEqual({ ...first, replayed: "true" });
    expect(tb.pulses()).toEqual([first.json.lockerId]);
    expect(tb.daemon.store.parcels.find({ trackingRef: "RETRY-1" })).toHaveLength(1);
    // What is kept is sealed: neither the code, the token, the key nor the tracking ref in plain.
    const rows = tb.daemon.store.db.prepare("SELECT id, request, answer FROM idempotency_keys").all() as { id: Buffer; request: Buffer; answer: Buffer }[];
    expect(rows).toHaveLength(1);
    const bytes = Buffer.concat(rows.flatMap((r) => [r.id, r.request, r.answer]));
    for (const plain of [String(first.json.pickupCode), String(first.json.pickupToken), "courier-7f3a-0001", "RETRY-1"]) expect(bytes.includes(Buffer.from(plain))).toBe(false);
  });

  it("answers the same key with another body 422 IDEMPOTENCY_KEY_REUSED, and changes nothing", async () => {
    tb = await createTestBank({ daemon: { http: true } });
    expect((await post("/lockers/assign", { size: "S" }, "k-1")).status).toBe(201);
    const other = await post("/lockers/assign", { size: "M" }, "k-1");
    expect(other.status).toBe(422);
    expect(other.json.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(tb.pulses()).toHaveLength(1);
  });

  it("keeps an answer for a day, then forgets it", async () => {
    tb = await createTestBank({ daemon: { http: true } });
    const first = await post("/lockers/assign", { size: "S" }, "k-day");
    tb.clock.advance(86_400_000 - 1_000);
    expect((await post("/lockers/assign", { size: "S" }, "k-day")).json.parcelId).toBe(first.json.parcelId);
    tb.clock.advance(2_000);
    const later = await post("/lockers/assign", { size: "S" }, "k-day");
    expect(later.status).toBe(201);
    expect(later.replayed).toBeNull();
    expect(later.json.parcelId).not.toBe(first.json.parcelId);
  });

  it("replays an error answer too, and keeps requests without the header as they were", async () => {
    tb = await createTestBank({ daemon: { http: true } });
    const wrong = await post("/pickup", { code: "00000000000" }, "pickup-1");
    expect(wrong.status).toBe(403);
    expect(await post("/pickup", { code: "00000000000" }, "pickup-1")).toEqual({ ...wrong, replayed: "true" });
    // Only one failure counted against the limiter: the replay tried no code.
    expect(tb.daemon.attempts.lockouts()[0]).toMatchObject({ failures: 1 });
    const a = await post("/lockers/assign", { size: "S" });
    const b = await post("/lockers/assign", { size: "S" });
    expect(a.json.lockerId).not.toBe(b.json.lockerId);
  });
});
