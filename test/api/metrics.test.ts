/** /metrics: a scrape parses as Prometheus text and counts what happened at the bank. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startBank, TOKENS, until, type TestBank } from "./support.js";
import { parsePrometheus, valueOf } from "./prom-text.js";

let bank: TestBank;
beforeAll(async () => {
  bank = await startBank();
});
afterAll(() => bank.stop());

const scrape = async () => {
  const res = await call(bank.url, "/metrics", { token: TOKENS.monitor });
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: res.text, families: parsePrometheus(res.text) };
};

describe("metrics", () => {
  it("is refused to roles other than monitor and technician", async () => {
    expect((await call(bank.url, "/metrics", { token: TOKENS.kiosk })).status).toBe(403);
    expect((await call(bank.url, "/metrics")).status).toBe(401);
  });

  it("after an assignment, a deposit, wrong codes, a pickup and a forced door, a scrape parses and counts each", async () => {
    const first = await scrape();
    expect(valueOf(first.families, "lockerd_assignments_total")).toBe(0);
    expect(valueOf(first.families, "lockerd_lockers", { size: "S", status: "AVAILABLE" })).toBeGreaterThan(0);

    const a = await call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "S" } });
    expect(a.status).toBe(201);
    const { parcelId, pickupCode, lockerId } = a.json() as { parcelId: string; pickupCode: string; lockerId: string };
    await until("the deposit", () => bank.daemon.store.parcels.get(parcelId)?.status === "STORED");
    const wrong = pickupCode === "00000000" ? "11111111" : "00000000";
    for (let i = 0; i < 2; i++) expect((await call(bank.url, "/pickup", { token: TOKENS.kiosk, body: { code: wrong } })).status).toBe(403);

    const mid = await scrape();
    expect(valueOf(mid.families, "lockerd_lockers", { size: "S", status: "OCCUPIED" })).toBe(1);

    expect((await call(bank.url, "/pickup", { token: TOKENS.kiosk, body: { code: pickupCode } })).status).toBe(200);
    await until("the pickup", () => bank.daemon.store.parcels.get(parcelId)?.status === "PICKED_UP");
    await until("the door closed", () => bank.daemon.supervisor.doorOf(lockerId) === "closed" && bank.daemon.ctx.store.lockers.get(lockerId)?.status === "AVAILABLE");
    const idle = bank.daemon.layout.lockers.map((l) => l.id).find((id) => id !== lockerId)!;
    bank.sim.setDoor(idle, "open");
    bank.sim.setDoor(idle, "closed");

    const { families } = await scrape();
    expect(valueOf(families, "lockerd_assignments_total")).toBe(1);
    expect(valueOf(families, "lockerd_deposits_total")).toBe(1);
    expect(valueOf(families, "lockerd_pickups_total")).toBe(1);
    expect(valueOf(families, "lockerd_failed_codes_total")).toBe(2);
    expect(valueOf(families, "lockerd_door_faults_total", { kind: "forced" })).toBe(1);
    expect(valueOf(families, "lockerd_door_faults_total", { kind: "did_not_open" })).toBe(0);
    expect(families.get("lockerd_door_faults_total")?.type).toBe("counter");

    // Lockers by size and status add up to the layout, all free again.
    const lockers = families.get("lockerd_lockers")!;
    expect(lockers.type).toBe("gauge");
    expect(lockers.samples.reduce((n, s) => n + s.value, 0)).toBe(bank.daemon.layout.lockers.length);
    expect(valueOf(families, "lockerd_lockers", { size: "S", status: "OCCUPIED" })).toBe(0);

    // Nothing has been sent upward: the backlog is every event, its lag the oldest one's age.
    const events = bank.daemon.store.db.prepare("SELECT count(*) AS n FROM events").get() as { n: number };
    expect(valueOf(families, "lockerd_sync_backlog_events")).toBe(events.n);
    expect(valueOf(families, "lockerd_sync_lag_seconds")).toBeGreaterThan(0);

    // Request latency by route template and status; never a raw path or a code.
    expect(families.get("lockerd_http_request_duration_seconds")?.type).toBe("histogram");
    expect(valueOf(families, "lockerd_http_request_duration_seconds_count", { method: "POST", route: "/lockers/assign", status: "201" })).toBe(1);
    expect(valueOf(families, "lockerd_http_request_duration_seconds_count", { method: "POST", route: "/pickup", status: "403" })).toBe(2);
    const labelValues = [...families.values()].flatMap((f) => f.samples.flatMap((x) => Object.values(x.labels)));
    expect(labelValues.filter((v) => v.includes(pickupCode) || v.includes(wrong))).toEqual([]);
    expect(labelValues.filter((v) => v.startsWith("/pickup/") && v !== "/pickup/:code")).toEqual([]);

    // The event loop's lag.
    expect(families.get("nodejs_eventloop_lag_seconds")?.type).toBe("gauge");
    expect(valueOf(families, "nodejs_eventloop_lag_p99_seconds")).toBeGreaterThanOrEqual(0);
  });

  it("after the sync marks events sent, the backlog shrinks", async () => {
    const db = bank.daemon.store.db;
    db.prepare("UPDATE events SET sent_at = ? WHERE sent_at IS NULL").run(Date.now());
    const { families } = await scrape();
    expect(valueOf(families, "lockerd_sync_backlog_events")).toBe(0);
    expect(valueOf(families, "lockerd_sync_lag_seconds")).toBe(0);
  });

  it("the parser itself refuses a malformed exposition", () => {
    expect(() => parsePrometheus("# TYPE x counter\nx{a=\"1\" 3\n")).toThrow(/bad/);
    expect(() => parsePrometheus("y 1\n")).toThrow(/no # TYPE/);
  });
});
