import { expect, it } from "vitest";
import { durableDoors } from "../../src/compose/durable-doors.js";
import type { DoorCommander } from "../../src/doors/commander.js";
import type { Store } from "../../src/store/store.js";

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
  const wrapped = durableDoors({ durable: async () => {} } as unknown as Store, doors);
  const optional = (Object.keys(doors) as (keyof DoorCommander)[]).filter((k) => !["unlock", "unavailableLockers", "openUnattended"].includes(k));
  for (const k of optional) expect(typeof wrapped[k], k).toBe("function");
  wrapped.itemPresent!("A01");
  wrapped.expectUnlock!();
  wrapped.pickupImminent!(500);
  wrapped.pickupNotComing!();
  expect(calls).toEqual(["itemPresent", "expectUnlock", "pickupImminent 500", "pickupNotComing"]);
});
