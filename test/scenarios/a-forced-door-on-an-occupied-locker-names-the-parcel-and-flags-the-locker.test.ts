/**
 * Issue 24 item 3: a door forced open on a locker holding a parcel names the parcel, flags the
 * locker for inspection (not offered to a new parcel, its pickup still works) and tells the
 * center (the alarm and locker.flagged are in the outbox). The same for a door found standing
 * open at start over a parcel.
 */
import { afterEach, expect, it } from "vitest";
import { pickupByCode } from "../../src/bank/pickup.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank;
afterEach(() => tb.dispose());

it("a door forced on an occupied locker names the parcel and flags the locker; the pickup still works", async () => {
  tb = await createTestBank({ daemon: {} });
  const a = await tb.depositParcel("S");
  tb.sim.forceOpen(a.lockerId);
  const [forced] = tb.events("alarm.door_forced");
  expect(forced).toMatchObject({ lockerId: a.lockerId, parcelId: a.parcelId, data: { holdsParcel: true, parcelStatus: "STORED" } });
  const [flagged] = tb.events("locker.flagged");
  expect(flagged).toMatchObject({ lockerId: a.lockerId, parcelId: a.parcelId });
  expect(tb.daemon.store.lockers.get(a.lockerId)).toMatchObject({ status: "OUT_OF_SERVICE", serviceReason: expect.stringMatching(/inspect/) });
  const unsent = tb.daemon.store.events.unsent(10_000).map((e) => e.seq);
  expect(unsent).toEqual(expect.arrayContaining([forced!.seq, flagged!.seq]));
  tb.sim.setDoor(a.lockerId, "closed");

  // Not offered to a new parcel; the customer's code still opens it.
  const b = await tb.depositParcel("S");
  expect(b.lockerId).not.toBe(a.lockerId);
  await pickupByCode(tb.daemon.ctx, a.pickupCode, { channel: "keypad", id: "main" });
  tb.sim.setDoor(a.lockerId, "open");
  tb.sim.setDoor(a.lockerId, "closed");
  expect(tb.daemon.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  // Collected, it stays flagged until a technician has looked.
  expect(tb.daemon.store.lockers.get(a.lockerId)!.status).toBe("OUT_OF_SERVICE");
});

it("a door forced on an empty locker raises the alarm without flagging it", async () => {
  tb = await createTestBank({ daemon: {} });
  tb.sim.forceOpen("A01");
  expect(tb.events("alarm.door_forced")[0]).toMatchObject({ lockerId: "A01", parcelId: null, data: { holdsParcel: false } });
  expect(tb.events("locker.flagged")).toHaveLength(0);
});

it("a door found open at start over a parcel is an alarm and an inspection", async () => {
  tb = await createTestBank({ daemon: {} });
  const a = await tb.depositParcel("S");
  await tb.reopen({ doorsAtStart: { [a.lockerId]: "open" } });
  expect(tb.events("alarm.door_forced")).toEqual([expect.objectContaining({ lockerId: a.lockerId, parcelId: a.parcelId, data: expect.objectContaining({ how: "open_at_start", holdsParcel: true }) })]);
  expect(tb.daemon.store.lockers.get(a.lockerId)).toMatchObject({ status: "OUT_OF_SERVICE" });
  expect(tb.daemon.store.parcels.get(a.parcelId)!.status).toBe("STORED");
});
