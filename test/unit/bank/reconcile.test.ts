import { afterEach, describe, expect, it } from "vitest";
import { pickupByCode } from "../../../src/bank/pickup.js";
import { technicianOpen } from "../../../src/bank/service.js";
import { createTestBank, eventTypes, type TestBank } from "../../support/bank.js";

const banks: TestBank[] = [];
afterEach(async () => {
  for (const b of banks.splice(0)) await b.dispose();
});
async function fresh(): Promise<TestBank> {
  const b = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
  banks.push(b);
  return b;
}
async function restart(b: TestBank, doors: Record<string, "open" | "closed"> = {}): Promise<TestBank> {
  const r = await b.reopen({ doorsAtStart: doors });
  banks.push(r);
  return r;
}

describe("reconcile after a restart", () => {
  it("a deposit whose door is open now: record the opening, finish when it closes", async () => {
    const b = await fresh();
    const a = await b.assign("S");
    const r = await restart(b, { A01: "open" });
    expect(r.reconciled).toEqual([{ lockerId: "A01", intentId: a.intentId, action: "waiting_for_close" }]);
    expect(r.store.intents.get(a.intentId)!.state).toBe("opened");
    r.close("A01");
    expect(r.store.parcels.get(a.parcelId)!.status).toBe("STORED");
    expect(r.store.lockers.get("A01")!.status).toBe("OCCUPIED");
    // No unlock was repeated.
    expect(r.sim.pulses).toEqual([]);
  });

  it("a deposit whose door opened before the restart and is closed now completes", async () => {
    const b = await fresh();
    const a = await b.assign("S");
    b.open("A01");
    const r = await restart(b, { A01: "closed" });
    expect(r.reconciled).toEqual([{ lockerId: "A01", intentId: a.intentId, action: "completed" }]);
    expect(r.store.parcels.get(a.parcelId)!.status).toBe("STORED");
    expect(r.store.lockers.get("A01")!.status).toBe("OCCUPIED");
  });

  it("a deposit whose door never opened is flagged for inspection, not freed blindly", async () => {
    const b = await fresh();
    const a = await b.assign("S");
    const r = await restart(b);
    expect(r.reconciled).toEqual([{ lockerId: "A01", intentId: a.intentId, action: "inspect" }]);
    expect(r.store.lockers.get("A01")).toMatchObject({ status: "OUT_OF_SERVICE" });
    expect(r.store.lockers.get("A01")!.serviceReason).toMatch(/inspect/);
    expect(r.store.parcels.get(a.parcelId)).toMatchObject({ status: "ASSIGNED", inLocker: true });
    expect(r.store.intents.active("A01")).toBeUndefined();
    expect(eventTypes(r.store).at(-1)).toBe("locker.flagged");
    expect(r.sim.pulses).toEqual([]);
  });

  it("a pickup whose door never opened is aborted and the code still works", async () => {
    const b = await fresh();
    const a = await b.assign("S");
    b.deposit(a);
    await pickupByCode(b.ctx, a.pickupCode, { channel: "http" });
    const r = await restart(b);
    expect(r.reconciled).toMatchObject([{ lockerId: "A01", action: "aborted" }]);
    expect(r.store.parcels.get(a.parcelId)!.status).toBe("STORED");
    await expect(pickupByCode(r.ctx, a.pickupCode, { channel: "http" })).resolves.toMatchObject({ lockerId: "A01" });
  });

  it("a pickup whose door is open now is picked up; the locker frees on close", async () => {
    const b = await fresh();
    const a = await b.assign("S");
    b.deposit(a);
    await pickupByCode(b.ctx, a.pickupCode, { channel: "http" });
    const r = await restart(b, { A01: "open" });
    expect(r.reconciled).toMatchObject([{ lockerId: "A01", action: "waiting_for_close" }]);
    expect(r.store.parcels.get(a.parcelId)!.status).toBe("PICKED_UP");
    r.close("A01");
    expect(r.store.lockers.get("A01")!.status).toBe("AVAILABLE");
  });

  it("a technician opening that was never completed is aborted; nothing else changes", async () => {
    const b = await fresh();
    await technicianOpen(b.ctx, "A02");
    const r = await restart(b);
    expect(r.reconciled).toMatchObject([{ lockerId: "A02", action: "aborted" }]);
    expect(r.store.lockers.get("A02")!.status).toBe("AVAILABLE");
    expect(r.store.intents.listActive()).toEqual([]);
    // Restarting again finds nothing to do.
    const again = await restart(r);
    expect(again.reconciled).toEqual([]);
  });
});
