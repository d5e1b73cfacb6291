import { afterEach, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank;
afterEach(() => tb.dispose());

it("deposit never opened returns the locker", async () => {
  tb = await createTestBank({ daemon: {} });
  const { store, ctx } = tb.daemon;
  tb.sim.setFault("A01", "jammed");
  const a = await assignLocker(ctx, { size: "S", trackingRef: "TR-1" });
  expect(a.lockerId).toBe("A01");
  expect(store.lockers.get("A01")!.status).toBe("RESERVED");

  tb.clock.advance(tb.cfg.doors.openTimeoutMs);
  expect(tb.events("door.open_timeout")[0]!.data).toMatchObject({ purpose: "deposit", reason: "stayed_closed", failedOpens: 1 });
  expect(tb.events("parcel.cancelled")[0]!).toMatchObject({ parcelId: a.parcelId, data: { reason: "door_did_not_open" } });
  expect(store.parcels.get(a.parcelId)!.status).toBe("CANCELLED");
  expect(store.lockers.get("A01")!.status).toBe("AVAILABLE");
  expect(tb.events("locker.released").map((e) => e.lockerId)).toEqual(["A01"]);
  // The code handed to the courier is void.
  await expect(pickupByCode(ctx, a.pickupCode, { channel: "keypad" })).rejects.toMatchObject({ code: "INVALID_CODE" });
});

it("a deposit whose lock cannot be driven returns the locker at once", async () => {
  tb = await createTestBank({ daemon: {} });
  const { store, ctx } = tb.daemon;
  // Offline between the allocation's check and the pulse: the driver refuses.
  const unlock = tb.sim.unlock.bind(tb.sim);
  tb.sim.unlock = async (id, ms) => {
    tb.sim.setOnline([id], false);
    return unlock(id, ms);
  };
  await expect(assignLocker(ctx, { size: "S" })).rejects.toMatchObject({ code: "DOOR_UNAVAILABLE" });
  expect(tb.events("door.unlock_failed")[0]!).toMatchObject({ lockerId: "A01", data: { purpose: "deposit", reason: "door_unavailable" } });
  expect(store.lockers.get("A01")!.status).toBe("AVAILABLE");
  expect(tb.events("parcel.cancelled")).toHaveLength(1);
});
