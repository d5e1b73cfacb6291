/**
 * A CU16 bank with IR "item present" sensors: the API shows each locker's sensor, a pickup whose
 * door shuts on something still inside raises locker.item_left_behind, and that locker is not
 * handed to the next parcel until it is empty. Real daemon and driver, boards simulated over a
 * socat pty pair, HTTP on a free loopback port.
 */
import { afterEach, expect, it } from "vitest";
import { lockerView } from "../../src/api/views.js";
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { startDaemon } from "../../src/daemon.js";
import { createLogger } from "../../src/system/logger.js";
import { cu16SimBank } from "../support/cu16-sim-bank.js";
import { waitFor } from "../support/wait-for.js";

const TOKEN = "monitor-token-for-the-ir-test-0123456789";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function bank(itemSensors: boolean) {
  const { bus, config } = await cu16SimBank(cleanups, { itemSensors, env: { LOCKERD_API_TOKEN: TOKEN } });
  const daemon = await startDaemon(config(), createLogger({ level: "silent" }));
  cleanups.push(() => daemon.stop());
  const get = async (path: string) => {
    const res = await fetch(`${daemon.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { daemon, bus, get };
}

it("an item left behind after a pickup is seen by the IR sensor, reported, and the locker not reassigned", async () => {
  const { daemon, bus, get } = await bank(true);
  const { ctx, store } = daemon;

  const one = await get("/lockers/A01");
  expect(one.status).toBe(200);
  expect(lockerView.parse(one.body)).toMatchObject({ id: "A01", status: "AVAILABLE", door: "closed", itemPresent: false });
  expect((await get("/lockers/Z99")).status).toBe(404);

  // A01 is board 0 channel 1. The courier's parcel breaks the IR beam.
  const a = await assignLocker(ctx, { size: "S", trackingRef: "REF-IR" });
  expect(a.lockerId).toBe("A01");
  bus.board(0).setItem(1, true);
  await waitFor("the deposit to be stored", () => store.parcels.get(a.parcelId)?.status === "STORED");
  expect((await get("/lockers/A01")).body).toMatchObject({ status: "OCCUPIED", itemPresent: true, parcelId: a.parcelId });

  // The customer opens the door and closes it without taking the parcel out (the beam stays broken).
  await pickupByCode(ctx, a.pickupCode, { channel: "http" });
  await waitFor("the locker released", () => store.lockers.get("A01")?.status === "AVAILABLE");
  const left = store.events.query({ type: "locker.item_left_behind" });
  expect(left).toHaveLength(1);
  expect(left[0]).toMatchObject({ lockerId: "A01", parcelId: a.parcelId, data: { purpose: "pickup" } });

  const status = await get("/lockers/status");
  const views = (status.body.lockers as unknown[]).map((l) => lockerView.parse(l));
  expect(views.find((l) => l.id === "A01")).toMatchObject({ status: "AVAILABLE", itemPresent: true, fault: false });
  // Free in the database, not offered: the next S parcel goes elsewhere.
  const b = await assignLocker(ctx, { size: "S" });
  expect(b.lockerId).not.toBe("A01");
  await waitFor("the second deposit", () => store.parcels.get(b.parcelId)?.status === "STORED");

  // Emptied: A01 is offered again.
  bus.board(0).setItem(1, false);
  await waitFor("the sensor to clear", () => daemon.supervisor.itemPresent("A01") === false);
  const c = await assignLocker(ctx, { size: "S" });
  expect(c.lockerId).toBe("A01");
});

it("a bank without IR sensors shows itemPresent null and raises nothing", async () => {
  const { daemon, bus, get } = await bank(false);
  bus.board(0).setItem(1, true); // an unwired input means nothing
  const polled = bus.received.length;
  await waitFor("a few polls", () => bus.received.length >= polled + 4);
  const one = await get("/lockers/A01");
  expect(one.body).toMatchObject({ id: "A01", itemPresent: null });
  const a = await assignLocker(daemon.ctx, { size: "S" });
  expect(a.lockerId).toBe("A01");
});
