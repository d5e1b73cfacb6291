import { afterEach, expect, it, vi } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank;
afterEach(() => tb.dispose());

it("door left open raises repeated alarms", async () => {
  tb = await createTestBank({ daemon: { config: { hardware: { sim: { person: { enabled: true, openDelayMs: 5, closeDelayMs: 5 } } } } } });
  const { store, ctx } = tb.daemon;
  const { leftOpenMs, leftOpenRepeatMs } = tb.cfg.doors;
  // The courier opens the door, puts the parcel in and walks away.
  tb.sim.setFault("A01", "left_open");
  const a = await assignLocker(ctx, { size: "S" });
  expect(a.lockerId).toBe("A01");
  await vi.waitFor(() => expect(tb.events("door.opened")).toHaveLength(1));

  tb.clock.advance(leftOpenMs - 1);
  expect(tb.events("alarm.door_left_open")).toHaveLength(0);
  tb.clock.advance(1);
  tb.clock.advance(leftOpenRepeatMs);
  tb.clock.advance(leftOpenRepeatMs);
  const alarms = tb.events("alarm.door_left_open");
  expect(alarms.map((e) => e.data.openForMs)).toEqual([leftOpenMs, leftOpenMs + leftOpenRepeatMs, leftOpenMs + 2 * leftOpenRepeatMs]);
  expect(alarms.every((e) => e.lockerId === "A01")).toBe(true);
  // The deposit is not complete while the door is open.
  expect(store.parcels.get(a.parcelId)!.status).toBe("ASSIGNED");

  tb.sim.setDoor("A01", "closed");
  expect(tb.events("alarm.door_closed")).toHaveLength(1);
  expect(store.parcels.get(a.parcelId)!.status).toBe("STORED");
  tb.clock.advance(10 * leftOpenRepeatMs);
  expect(tb.events("alarm.door_left_open")).toHaveLength(3);
});
