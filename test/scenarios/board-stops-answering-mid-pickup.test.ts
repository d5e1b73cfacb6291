import { afterEach, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let tb: DaemonTestBank;
afterEach(() => tb.dispose());

const BOARD_0 = ["A01", "A02", "A03", "A04"];

async function pickup(code: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${tb.daemon.url}/pickup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

it("board stops answering mid-pickup", async () => {
  tb = await createTestBank({ daemon: { http: true } });
  const { store, ctx } = tb.daemon;
  const a = await tb.depositParcel("S");
  expect(a.lockerId).toBe("A01");

  expect(await pickup(a.pickupCode)).toMatchObject({ status: 200, body: { lockerId: "A01", door: "unlocking" } });
  // The board goes quiet before the customer opens the door.
  tb.sim.setOnline(BOARD_0, false, "board 0 not answering");
  const offline = tb.events("hardware.offline");
  expect(offline).toHaveLength(1);
  expect(offline[0]!.data).toEqual({ lockers: BOARD_0, detail: "board 0 not answering" });

  tb.clock.advance(tb.cfg.doors.openTimeoutMs);
  expect(tb.events("door.open_timeout").map((e) => e.data)).toEqual([{ purpose: "pickup", reason: "hardware_offline" }]);
  // Not the door's fault: no failed open is counted, and nothing is consumed.
  expect(store.lockers.get("A01")!.failedOpens).toBe(0);
  expect(store.parcels.get(a.parcelId)!.status).toBe("STORED");

  // While the board is away: a clear error for the pickup, and no new parcels in its lockers.
  const refused = await pickup(a.pickupCode);
  expect(refused.status).toBe(503);
  expect(refused.body.code).toBe("DOOR_UNAVAILABLE");
  expect(BOARD_0).not.toContain((await assignLocker(ctx, { size: "S" })).lockerId);
  const pulses = tb.sim.pulses.length;

  // The board answers again: recovery is evented, and the same code opens the door.
  tb.sim.setOnline(BOARD_0, true, "board 0 answering again");
  expect(tb.events("hardware.online").map((e) => e.data)).toEqual([{ lockers: BOARD_0, detail: "board 0 answering again" }]);
  expect(await pickup(a.pickupCode)).toMatchObject({ status: 200, body: { lockerId: "A01" } });
  expect(tb.sim.pulses.length).toBe(pulses + 1);
  tb.sim.setDoor("A01", "open");
  tb.sim.setDoor("A01", "closed");
  expect(store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
  expect(store.lockers.get("A01")!.status).toBe("AVAILABLE");
  // Every fault and the recovery went to the outbox.
  const unsent = new Set(store.events.unsent(10_000).map((e) => e.type));
  for (const t of ["hardware.offline", "door.open_timeout", "hardware.online"]) expect(unsent).toContain(t);
});
