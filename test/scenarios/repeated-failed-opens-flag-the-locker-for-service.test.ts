import { afterEach, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank;
afterEach(() => tb.dispose());

async function failedPickup(code: string): Promise<void> {
  await pickupByCode(tb.daemon.ctx, code, { channel: "keypad" });
  tb.clock.advance(tb.cfg.doors.openTimeoutMs);
}

it("repeated failed opens flag the locker for service", async () => {
  tb = await createTestBank({ daemon: {} });
  const { store, ctx } = tb.daemon;
  const a = await tb.depositParcel("S");
  tb.sim.setFault(a.lockerId, "jammed");

  await failedPickup(a.pickupCode);
  await failedPickup(a.pickupCode);
  expect(store.lockers.get(a.lockerId)!.status).toBe("OCCUPIED");
  expect(tb.events("locker.flagged")).toHaveLength(0);
  await failedPickup(a.pickupCode);

  const flagged = tb.events("locker.flagged");
  expect(flagged).toHaveLength(1);
  expect(flagged[0]!).toMatchObject({ lockerId: a.lockerId, data: { reason: "door did not open 3 times in a row" } });
  expect(store.lockers.get(a.lockerId)!).toMatchObject({ status: "OUT_OF_SERVICE", failedOpens: 3, serviceReason: "door did not open 3 times in a row" });
  // The customer's code is still good for when the door is fixed; no new parcel goes in.
  expect(store.parcels.get(a.parcelId)!.status).toBe("STORED");
  for (let i = 0; i < 3; i++) expect((await assignLocker(ctx, { size: "S" })).lockerId).not.toBe(a.lockerId);
  // A fourth failure does not flag it again.
  await failedPickup(a.pickupCode);
  expect(tb.events("locker.flagged")).toHaveLength(1);
});

it("a door that opens in between starts the count again", async () => {
  tb = await createTestBank({ daemon: {} });
  const { store } = tb.daemon;
  const a = await tb.depositParcel("S");
  const b = await tb.depositParcel("S");
  expect(b.lockerId).not.toBe(a.lockerId);
  tb.sim.setFault(a.lockerId, "jammed");
  await failedPickup(a.pickupCode);
  await failedPickup(a.pickupCode);
  tb.sim.setFault(a.lockerId, null);
  await pickupByCode(tb.daemon.ctx, a.pickupCode, { channel: "keypad" });
  tb.sim.setDoor(a.lockerId, "open");
  tb.sim.setDoor(a.lockerId, "closed");
  expect(store.lockers.get(a.lockerId)!.failedOpens).toBe(0);
  expect(tb.events("locker.flagged")).toHaveLength(0);
  expect(store.lockers.get(a.lockerId)!.status).toBe("AVAILABLE");
});
