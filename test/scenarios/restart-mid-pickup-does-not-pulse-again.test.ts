import { afterEach, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { startDaemonProcess } from "../support/daemon-process.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank;
afterEach(() => tb.dispose());

/** Event types written since seq. */
const since = (seq: number) => tb.daemon.store.events.after(seq, 1000).map((e) => `${e.type} ${e.lockerId ?? ""}`.trim());

it("restart mid-pickup does not pulse again", async () => {
  tb = await createTestBank({ daemon: {} });
  const a = await tb.depositParcel("S");
  await pickupByCode(tb.daemon.ctx, a.pickupCode, { channel: "keypad" });
  const seq = tb.daemon.store.events.lastSeq();

  // The daemon dies before the door opens; meanwhile the customer opens it (the pulse had gone out).
  await tb.reopen({ doorsAtStart: { [a.lockerId]: "open" } });
  const { store } = tb.daemon;
  expect(tb.sim.pulses).toEqual([]);
  expect(since(seq)).toEqual([`door.opened ${a.lockerId}`, `parcel.picked_up ${a.lockerId}`]);
  expect(store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");

  // The supervisor waits for that door to close, then the locker is free again.
  tb.sim.setDoor(a.lockerId, "closed");
  expect(store.lockers.get(a.lockerId)!.status).toBe("AVAILABLE");
  expect(tb.events("alarm.door_forced")).toHaveLength(0);
  expect(tb.sim.pulses).toEqual([]);
});

it("a pickup whose door never opened before the restart is dropped, and its code still works", async () => {
  tb = await createTestBank({ daemon: {} });
  const a = await tb.depositParcel("S");
  await pickupByCode(tb.daemon.ctx, a.pickupCode, { channel: "keypad" });
  await tb.reopen();
  expect(tb.sim.pulses).toEqual([]);
  expect(tb.events("door.intent_aborted")[0]!).toMatchObject({ lockerId: a.lockerId, data: { purpose: "pickup", reason: "restart", door: "closed" } });
  expect(tb.daemon.store.parcels.get(a.parcelId)!.status).toBe("STORED");

  await pickupByCode(tb.daemon.ctx, a.pickupCode, { channel: "keypad" });
  expect(tb.sim.pulses.map((p) => p.lockerId)).toEqual([a.lockerId]);
});

it("a pickup whose door was open at the kill and closed during it is completed", async () => {
  tb = await createTestBank({ daemon: {} });
  const a = await tb.depositParcel("S");
  await pickupByCode(tb.daemon.ctx, a.pickupCode, { channel: "keypad" });
  tb.sim.setDoor(a.lockerId, "open");
  expect(tb.daemon.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  await tb.reopen({ doorsAtStart: { [a.lockerId]: "closed" } });
  expect(tb.sim.pulses).toEqual([]);
  expect(tb.daemon.store.lockers.get(a.lockerId)!.status).toBe("AVAILABLE");
  expect(tb.daemon.store.intents.listActive()).toEqual([]);
});

it("a deposit interrupted by a restart leaves the locker for a person to inspect, without a pulse", async () => {
  tb = await createTestBank({ daemon: {} });
  const a = await assignLocker(tb.daemon.ctx, { size: "S" });
  await tb.reopen();
  expect(tb.sim.pulses).toEqual([]);
  const { store } = tb.daemon;
  expect(store.lockers.get(a.lockerId)!).toMatchObject({ status: "OUT_OF_SERVICE", serviceReason: "inspect: a deposit was interrupted by a restart" });
  expect(tb.events("locker.flagged")[0]!).toMatchObject({ lockerId: a.lockerId, parcelId: a.parcelId });
  // No new parcel is put into a locker that may hold one.
  expect((await assignLocker(tb.daemon.ctx, { size: "S" })).lockerId).not.toBe(a.lockerId);
});

it("after a real kill mid-pickup, the restarted daemon trusts the door sensor and pulses nothing", async () => {
  tb = await createTestBank({ daemon: {} });
  const a = await tb.depositParcel("S");
  await tb.handOver(
    async (configFile) => {
      const lockerd = await startDaemonProcess({ config: configFile });
      try {
        const res = await fetch(`${lockerd.url}/pickup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code: a.pickupCode }) });
        expect(res.status).toBe(200);
      } finally {
        await lockerd.stop("SIGKILL");
      }
    },
    // The customer opened the door while lockerd was dead.
    { [a.lockerId]: "open" },
  );
  expect(tb.sim.pulses).toEqual([]);
  expect(tb.daemon.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  tb.sim.setDoor(a.lockerId, "closed");
  expect(tb.daemon.store.lockers.get(a.lockerId)!.status).toBe("AVAILABLE");
  expect(tb.events("alarm.door_forced")).toHaveLength(0);
});

it("after a real kill mid-deposit, the locker is left for inspection and pulsed no more", async () => {
  tb = await createTestBank({ daemon: {} });
  let parcelId = "";
  let lockerId = "";
  await tb.handOver(async (configFile) => {
    const lockerd = await startDaemonProcess({ config: configFile });
    try {
      const res = await fetch(`${lockerd.url}/lockers/assign`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ size: "M" }) });
      expect(res.status).toBe(201);
      ({ parcelId, lockerId } = (await res.json()) as { parcelId: string; lockerId: string });
    } finally {
      await lockerd.stop("SIGKILL");
    }
  });
  expect(tb.sim.pulses).toEqual([]);
  expect(tb.daemon.store.parcels.get(parcelId)!.status).toBe("ASSIGNED");
  expect(tb.daemon.store.lockers.get(lockerId)!).toMatchObject({ status: "OUT_OF_SERVICE", serviceReason: "inspect: a deposit was interrupted by a restart" });
});
