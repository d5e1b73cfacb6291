/**
 * Issue 24 item 8: the smallest-free rule hands A01 out again and again; a fast person (opens
 * 40 ms after the unlock, closes 250 ms later) makes four door cycles within the 10 s flap
 * window. Those are commanded movements, not a flapping sensor: the pickup's opening must count,
 * and no sensor_unstable alarm is raised. Real time (the simulated person uses real timers).
 */
import { afterEach, expect, it, vi } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { loadConfig } from "../../src/config/load.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

let tb: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await tb?.dispose();
  tb = null;
});

it("four quick deposit and pickup cycles on one locker all complete, with no sensor alarm", async () => {
  tb = await createTestBank({
    daemon: { config: { doors: { sensorSettleMs: 100 }, hardware: { sim: { person: { enabled: true, openDelayMs: 40, closeDelayMs: 250 } } } } },
    clock: "system",
  });
  const ctx = tb.daemon.ctx;
  for (let round = 0; round < 3; round++) {
    const a = await tb.depositParcel("S");
    expect(a.lockerId).toBe("A01");
    await pickupByCode(ctx, a.pickupCode, { channel: "keypad", id: "main" });
    await vi.waitFor(() => expect(ctx.store.parcels.get(a.parcelId)?.status).toBe("PICKED_UP"), { timeout: 3_000 });
    await vi.waitFor(() => expect(ctx.store.lockers.get("A01")?.status).toBe("AVAILABLE"), { timeout: 3_000 });
  }
  expect(tb.events("alarm.sensor_unstable")).toEqual([]);
  expect(tb.events("door.open_timeout")).toEqual([]);
});

it("refuses a simulated person whose close delay is not longer than the sensor settle time", () => {
  const file = join(tmpdir(), `lockerd-person-${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ doors: { sensorSettleMs: 100 }, hardware: { sim: { person: { openDelayMs: 40, closeDelayMs: 80 } } } }));
  expect(() => loadConfig({ path: file, env: {} })).toThrow(
    expect.objectContaining({ problems: [expect.stringMatching(/^hardware\.sim\.person\.closeDelayMs: must be longer than doors\.sensorSettleMs \(100 ms\).*found 80/)] }),
  );
  writeFileSync(file, JSON.stringify({ doors: { sensorSettleMs: 100 }, hardware: { sim: { person: { openDelayMs: 40, closeDelayMs: 250 } } } }));
  expect(loadConfig({ path: file, env: {} }).hardware.sim.person.closeDelayMs).toBe(250);
});
