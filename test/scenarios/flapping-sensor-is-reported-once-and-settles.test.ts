import { afterEach, expect, it, vi } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank;
afterEach(() => tb.dispose());

it("flapping sensor is reported once and settles", async () => {
  tb = await createTestBank({ daemon: { config: { doors: { sensorSettleMs: 30, flapWindowMs: 1000, flapMaxChanges: 4 } } } });
  const { ctx } = tb.daemon;

  tb.sim.setFault("A01", "flapping");
  await vi.waitFor(() => expect(tb.sim.sensorChanges("A01")).toBeGreaterThanOrEqual(20));
  const unstable = tb.events("alarm.sensor_unstable");
  expect(unstable).toHaveLength(1);
  expect(unstable[0]!).toMatchObject({ lockerId: "A01", data: { changes: 5, windowMs: 1000 } });
  // A sensor that cannot be trusted raises no door alarms and takes the locker out of allocation.
  expect(tb.events("alarm.door_forced")).toHaveLength(0);
  expect(ctx.doors.unavailableLockers().has("A01")).toBe(true);
  expect((await assignLocker(ctx, { size: "S" })).lockerId).toBe("A02");

  // The sensor stops flapping and reads the door as it is: closed.
  tb.sim.setFault("A01", null);
  expect(tb.sim.doors().get("A01")).toBe("closed");
  tb.clock.advance(999);
  expect(tb.events("alarm.sensor_settled")).toHaveLength(0);
  tb.clock.advance(1);
  const settled = tb.events("alarm.sensor_settled");
  expect(settled).toHaveLength(1);
  expect(settled[0]!).toMatchObject({ lockerId: "A01", data: { position: "closed" } });
  expect(ctx.doors.unavailableLockers().has("A01")).toBe(false);
  expect(tb.events("alarm.door_forced")).toHaveLength(0);
  expect(tb.events("alarm.sensor_unstable")).toHaveLength(1);

  // Settled, the door is supervised normally again.
  tb.sim.forceOpen("A01");
  tb.clock.advance(30);
  expect(tb.events("alarm.door_forced")).toHaveLength(1);
});
