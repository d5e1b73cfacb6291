import { afterEach, expect, it, vi } from "vitest";
import { pickupByCode } from "../../src/bank/pickup.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank;
afterEach(() => tb.dispose());

it("jammed door keeps the code usable", async () => {
  tb = await createTestBank({ daemon: { config: { hardware: { sim: { person: { enabled: true, openDelayMs: 5, closeDelayMs: 5 } } } } } });
  const { store, ctx } = tb.daemon;
  const a = await tb.depositParcel("S");
  expect(store.parcels.get(a.parcelId)!.status).toBe("STORED");

  tb.sim.setFault(a.lockerId, "jammed");
  await pickupByCode(ctx, a.pickupCode, { channel: "keypad" });
  expect(tb.sim.pulses.filter((p) => p.lockerId === a.lockerId)).toHaveLength(2);
  tb.clock.advance(tb.cfg.doors.openTimeoutMs);

  const timeout = tb.events("door.open_timeout");
  expect(timeout).toHaveLength(1);
  expect(timeout[0]!.data).toMatchObject({ purpose: "pickup", reason: "stayed_closed", failedOpens: 1 });
  expect(tb.sim.actualDoor(a.lockerId)).toBe("closed");
  // Nothing was consumed: the parcel is still there and its code still opens the door.
  expect(store.parcels.get(a.parcelId)!.status).toBe("STORED");
  expect(store.lockers.get(a.lockerId)!.failedOpens).toBe(1);

  tb.sim.setFault(a.lockerId, null);
  await pickupByCode(ctx, a.pickupCode, { channel: "keypad" });
  await vi.waitFor(() => expect(store.lockers.get(a.lockerId)!.status).toBe("AVAILABLE"));
  expect(store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  expect(store.lockers.get(a.lockerId)!.failedOpens).toBe(0);
  // And now the code is spent.
  await expect(pickupByCode(ctx, a.pickupCode, { channel: "keypad" })).rejects.toMatchObject({ code: "INVALID_CODE" });
});
