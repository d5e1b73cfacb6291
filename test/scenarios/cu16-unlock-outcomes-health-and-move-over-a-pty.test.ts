/**
 * Door truth with the real daemon and the CU16 driver, boards simulated over a socat pty pair:
 * the unlock outcome carries the board's answer (CU16 has none to 0x31, so a status read right
 * after confirms it: status_read), a jammed door is open_not_detected and raises the jam alarm, a
 * silent board is no_answer; the health API shows the counters, and POST /lockers/:id/move
 * re-homes the parcel so its code opens the new door.
 */
import { afterEach, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { technicianOpen } from "../../src/bank/service.js";
import { startDaemon } from "../../src/daemon.js";
import { createLogger } from "../../src/system/logger.js";
import { cu16SimBank } from "../support/cu16-sim-bank.js";
import { waitFor } from "../support/wait-for.js";

const TOKEN = "technician-token-for-the-door-truth-test-0123";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

it("CU16 over a pty: opened with status_read, a jam alarms and is moved, a silent board is no_answer; health over HTTP", async () => {
  const { bus, config } = await cu16SimBank(cleanups, { env: { LOCKERD_API_TOKEN: TOKEN } });
  const base = config();
  const daemon = await startDaemon({ ...base, doors: { ...base.doors, openTimeoutMs: 1500 } }, createLogger({ level: "silent" }));
  cleanups.push(() => daemon.stop());
  const { ctx, store } = daemon;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${daemon.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  // A deposit: the simulated person opens and closes A01 (board 0 channel 1).
  const a = await assignLocker(ctx, { size: "S", trackingRef: "REF-TRUTH" });
  expect(a.lockerId).toBe("A01");
  await waitFor("the deposit to be stored", () => store.parcels.get(a.parcelId)?.status === "STORED");
  expect(store.events.query({ type: "door.unlock_outcome" })[0]).toMatchObject({ lockerId: "A01", data: { purpose: "deposit", outcome: "opened", board: "status_read", doorSensor: "opened", itemBefore: false } });

  // The parcel breaks the IR beam (the example configuration wires the item sensors).
  bus.board(0).setItem(1, true);
  await waitFor("the item sensor", () => daemon.supervisor.itemPresent("A01") === true);
  // The lock jams: the pickup's pulse goes out, the door never moves.
  bus.board(0).jammed.add(1);
  await pickupByCode(ctx, a.pickupCode, { channel: "http" });
  await waitFor("the jam alarm", () => store.events.query({ type: "alarm.door_jammed" }).length === 1);
  const outcome = store.events.query({ type: "door.unlock_outcome", lockerId: "A01" }).at(-1)!;
  expect(outcome.data).toMatchObject({ purpose: "pickup", outcome: "open_not_detected", board: "status_read", doorSensor: "no_change", itemBefore: true, itemAfter: true });
  const jam = store.events.query({ type: "alarm.door_jammed" })[0]!;
  expect(jam.data.moveTo).toContain("A02");

  const health = await call("GET", "/lockers/A01/health");
  expect(health.status).toBe(200);
  expect(health.body).toMatchObject({ lockerId: "A01", cycles: 1, failedOpens: 1, jams: 1, ratedCycles: 500_000, score: 88 });
  expect((health.body.unlocks as { outcome: string }[]).map((u) => u.outcome)).toEqual(["open_not_detected", "opened"]);
  expect((await call("GET", "/lockers/Z99/health")).status).toBe(404);
  const metrics = await (await fetch(`${daemon.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  expect(metrics).toContain('lockerd_locker_health_score{locker="A01"} 88');
  expect(metrics).toContain('lockerd_locker_cycles{locker="A01"} 1');
  expect(metrics).toContain('lockerd_locker_faults{locker="A01",kind="jam"} 1');
  expect(metrics).toContain('lockerd_door_faults_total{kind="jammed"} 1');
  const all = await call("GET", "/lockers/health");
  expect(all.body.threshold).toBe(50);
  expect((all.body.lockers as unknown[]).length).toBe(store.lockers.list().length);

  // The technician moves the parcel to A02; bad input is refused with problem+json.
  const bad = await call("POST", "/lockers/A01/move", { to: "nope" });
  expect(bad.status).toBe(400);
  expect((await call("POST", "/lockers/A01/move", { to: "A02", extra: 1 })).status).toBe(400);
  const moved = await call("POST", "/lockers/A01/move", { to: "A02" });
  expect(moved).toEqual({ status: 200, body: { parcelId: a.parcelId, from: "A01", to: "A02" } });
  await pickupByCode(ctx, a.pickupCode, { channel: "http" });
  await waitFor("the parcel picked up from A02", () => store.parcels.get(a.parcelId)?.status === "PICKED_UP");
  expect(store.events.query({ type: "door.opened", lockerId: "A02" })).toHaveLength(1);

  // Board 1 stops answering: an unlock there has no answer.
  const onBoard1 = store.lockers.list().find((l) => l.position > 16 && l.status === "AVAILABLE")!;
  bus.board(1).behaviour.silent = true;
  await waitFor("board 1 offline", () => daemon.supervisor.unavailableLockers().has(onBoard1.id), 10_000);
  await expect(technicianOpen(ctx, onBoard1.id)).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE", details: { outcome: "no_answer" } });
  expect(store.events.query({ type: "door.unlock_outcome", lockerId: onBoard1.id }).at(-1)?.data).toMatchObject({ outcome: "no_answer", board: "no_answer" });
});
