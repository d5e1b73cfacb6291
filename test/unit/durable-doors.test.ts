import { expect, it } from "vitest";
import { durableDoors } from "../../src/compose/durable-doors.js";
import type { DoorCommander } from "../../src/doors/commander.js";
import type { Store } from "../../src/store/store.js";

const onDisk = { durable: async () => {}, holdFlushes: () => {}, releaseFlushes: () => {} } as unknown as Store;

it("the durable door commander passes every optional capability of the doors through", () => {
  const calls: string[] = [];
  const doors: Required<DoorCommander> = {
    unlock: async () => {},
    unavailableLockers: () => new Set(),
    openUnattended: () => new Set(),
    itemPresent: () => (calls.push("itemPresent"), null),
    expectUnlock: () => void calls.push("expectUnlock"),
    pickupImminent: (ms) => void calls.push(`pickupImminent ${ms}`),
    pickupNotComing: () => void calls.push("pickupNotComing"),
  };
  const wrapped = durableDoors(onDisk, doors);
  const optional = (Object.keys(doors) as (keyof DoorCommander)[]).filter((k) => !["unlock", "unavailableLockers", "openUnattended"].includes(k));
  for (const k of optional) expect(typeof wrapped[k], k).toBe("function");
  wrapped.itemPresent!("A01");
  wrapped.expectUnlock!();
  wrapped.pickupImminent!(500);
  wrapped.pickupNotComing!();
  expect(calls).toEqual(["itemPresent", "expectUnlock", "pickupImminent 500", "pickupNotComing"]);
});

it("a capability the doors lack stays absent, and the doors' own methods run on the doors themselves", () => {
  class Doors implements DoorCommander {
    private readonly open = new Set(["A02"]);
    async unlock(): Promise<void> {}
    unavailableLockers(): ReadonlySet<string> {
      return new Set();
    }
    openUnattended(): ReadonlySet<string> {
      return this.open;
    }
  }
  const wrapped = durableDoors(onDisk, new Doors());
  expect(wrapped.itemPresent).toBeUndefined();
  expect(wrapped.expectUnlock).toBeUndefined();
  expect("itemPresent" in wrapped).toBe(false);
  const { openUnattended } = wrapped;
  expect([...openUnattended()]).toEqual(["A02"]);
});

it("an unlock reaches the doors only once the store says its intent is on disk, urgently for a pickup", async () => {
  const order: string[] = [];
  let onDiskNow!: () => void;
  const store = {
    durable: (opts: { urgent?: boolean }) => {
      order.push(`durable urgent=${opts.urgent}`);
      return new Promise<void>((resolve) => (onDiskNow = resolve));
    },
    releaseFlushes: () => {},
  } as unknown as Store;
  const doors: DoorCommander = {
    unlock: async (lockerId) => void order.push(`unlock ${lockerId}`),
    unavailableLockers: () => new Set(),
    openUnattended: () => new Set(),
  };
  const unlocked = durableDoors(store, doors).unlock("A01", 7, { pickup: true });
  await new Promise((resolve) => setImmediate(resolve));
  expect(order).toEqual(["durable urgent=true"]);
  onDiskNow();
  await unlocked;
  expect(order).toEqual(["durable urgent=true", "unlock A01"]);
});

it("holds the card for an imminent pickup and lets it go once the pickup's flush is done or it is not coming", async () => {
  const calls: string[] = [];
  const store = {
    durable: async (o?: { urgent?: boolean }) => void calls.push(`durable${o?.urgent ? " urgent" : ""}`),
    holdFlushes: (ms: number) => void calls.push(`hold ${ms}`),
    releaseFlushes: () => void calls.push("release"),
  } as unknown as Store;
  // doors without a bus (GPIO): the card is held all the same
  const doors: DoorCommander = { unlock: async (id) => void calls.push(`unlock ${id}`), unavailableLockers: () => new Set(), openUnattended: () => new Set() };
  const wrapped = durableDoors(store, doors);
  wrapped.pickupImminent!(1000);
  await wrapped.unlock("A01", 1, { pickup: true });
  await wrapped.unlock("A02", 2);
  wrapped.pickupImminent!(150);
  wrapped.pickupNotComing!();
  expect(calls).toEqual(["hold 1000", "durable urgent", "release", "unlock A01", "durable", "unlock A02", "hold 150", "release"]);
});
