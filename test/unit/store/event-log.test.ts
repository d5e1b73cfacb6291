import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/store/database.js";
import { Store } from "../../../src/store/store.js";
import { createTestBank, type TestBank } from "../../support/bank.js";
import { recordAnyEvent } from "../../support/events.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

describe("the event log (outbox)", () => {
  it("is written in the same transaction as the change: a rolled-back change leaves no event", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
    const heard: string[] = [];
    bank.store.events.subscribe((e) => heard.push(e.type));
    const seq = bank.store.events.lastSeq();
    // Sabotage the last step of an assignment: the parcel, its event and the intent were
    // already written inside the transaction when this throws.
    const setStatus = bank.store.lockers.setStatus.bind(bank.store.lockers);
    bank.store.lockers.setStatus = () => {
      throw new Error("disk on fire");
    };
    await expect(bank.assign("S")).rejects.toThrow(/disk on fire/);
    bank.store.lockers.setStatus = setStatus;
    expect(bank.store.events.lastSeq()).toBe(seq);
    expect(bank.store.parcels.find({})).toEqual([]);
    expect(bank.store.intents.listActive()).toEqual([]);
    expect(heard).toEqual([]);
    // The next assignment works and its event is heard only after it committed.
    const a = await bank.assign("S");
    expect(heard).toEqual(["parcel.assigned"]);
    expect(bank.store.events.after(seq)).toMatchObject([{ type: "parcel.assigned", parcelId: a.parcelId, lockerId: "A01" }]);
  });

  it("listeners hear an event only after its transaction committed, and never a rolled-back one", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const other = new Store(openDatabase(bank.dbPath));
    try {
      const seen: { type: string; visibleToOthers: boolean }[] = [];
      bank.store.events.subscribe((e) => {
        const n = other.db.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM events WHERE seq = ?`).get(e.seq)!.n;
        seen.push({ type: e.type, visibleToOthers: n === 1 });
      });
      expect(() =>
        bank.store.write(() => {
          recordAnyEvent(bank.store, { type: "test.one" }, 1);
          throw new Error("rollback");
        }),
      ).toThrow("rollback");
      bank.store.write(() => recordAnyEvent(bank.store, { type: "test.two", data: { a: 1 } }, 2));
      expect(seen).toEqual([{ type: "test.two", visibleToOthers: true }]);
      expect(bank.store.events.query({ type: "test." }).map((e) => e.type)).toEqual(["test.two"]);
    } finally {
      other.close();
    }
  });

  it("never reuses a sequence number, records the clock's sync state, and filters by type family and locker", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
    const a = await bank.assign("S");
    bank.clock.synchronised = false;
    bank.deposit(a);
    const all = bank.store.events.after(0);
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((x, y) => x - y));
    expect(all[0]!.clockSynced).toBe(true);
    expect(all.at(-1)!.clockSynced).toBe(false);
    expect(bank.store.events.query({ type: "door." }).map((e) => e.type)).toEqual(["door.opened", "door.unlock_outcome", "door.closed"]);
    expect(bank.store.events.query({ lockerId: "A02" })).toEqual([]);
    expect(bank.store.events.unsent(100)).toHaveLength(all.length);
    // AUTOINCREMENT: deleting the newest event does not give its number out again.
    const last = bank.store.events.lastSeq();
    bank.store.db.prepare(`DELETE FROM events WHERE seq = ?`).run(last);
    const next = bank.store.write(() => recordAnyEvent(bank.store, { type: "test.after_delete" }, 0));
    expect(next.seq).toBe(last + 1);
  });

  it("every state change of an assign-deposit-pickup cycle has its event", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S", "REF1");
    bank.deposit(a);
    const { pickupByCode } = await import("../../../src/bank/pickup.js");
    await pickupByCode(bank.ctx, a.pickupCode, { channel: "http" });
    bank.open("A01");
    bank.close("A01");
    expect(bank.store.events.after(0).map((e) => [e.type, e.lockerId, e.parcelId])).toEqual([
      ["parcel.assigned", "A01", a.parcelId],
      ["door.opened", "A01", a.parcelId],
      ["door.unlock_outcome", "A01", a.parcelId],
      ["door.closed", "A01", a.parcelId],
      ["parcel.stored", "A01", a.parcelId],
      ["pickup.requested", "A01", a.parcelId],
      ["door.opened", "A01", a.parcelId],
      ["door.unlock_outcome", "A01", a.parcelId],
      ["parcel.picked_up", "A01", a.parcelId],
      ["door.closed", "A01", a.parcelId],
      ["locker.released", "A01", a.parcelId],
    ]);
  });
});
