import { afterEach, expect, it } from "vitest";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank;
afterEach(() => tb.dispose());

it("forced door raises tamper", async () => {
  tb = await createTestBank({ daemon: {} });
  const a = await tb.depositParcel("S");
  const pulses = tb.sim.pulses.length;

  tb.sim.forceOpen(a.lockerId);
  // Immediately, without waiting for any timer.
  const forced = tb.events("alarm.door_forced");
  expect(forced).toHaveLength(1);
  expect(forced[0]!.lockerId).toBe(a.lockerId);
  // It is in the outbox for the central server.
  expect(tb.daemon.store.events.unsent(10_000).map((e) => e.seq)).toContain(forced[0]!.seq);
  // A forced door consumes nothing: the parcel is still stored under its code.
  expect(tb.daemon.store.parcels.get(a.parcelId)!.status).toBe("STORED");

  // Left open after forcing it: the left-open alarm follows as well.
  tb.clock.advance(tb.cfg.doors.leftOpenMs);
  expect(tb.events("alarm.door_left_open")).toHaveLength(1);

  tb.sim.setDoor(a.lockerId, "closed");
  expect(tb.events("alarm.door_closed")).toHaveLength(1);
  expect(tb.events("alarm.door_forced")).toHaveLength(1);
  expect(tb.sim.pulses.length).toBe(pulses);
});
