import { describe, expect, it } from "vitest";
import { EVENT_TYPES, EVENTS, eventLevel, isEventType, newEvent, type EventSpec } from "../../src/basics/events.js";

describe("the event catalogue", () => {
  it.each(EVENT_TYPES)("%s: its example is valid data of its own shape", (type) => {
    const spec: EventSpec = EVENTS[type];
    expect(spec.data.safeParse(spec.example).success).toBe(true);
  });

  it("types are family.name in lower case", () => {
    for (const t of EVENT_TYPES) expect(t).toMatch(/^[a-z]+\.[a-z_]+$/);
  });

  it("an alarm family event is an alarm or clears one; a fault or alarm outside it is not info", () => {
    for (const t of EVENT_TYPES.filter((t) => t.startsWith("alarm."))) expect(["alarm", "cleared"]).toContain(EVENTS[t].level);
  });

  it("a door-fault counter is only on events that are faults or alarms", () => {
    for (const t of EVENT_TYPES) {
      const spec: EventSpec = EVENTS[t];
      if (spec.doorFault) expect(["fault", "alarm"]).toContain(spec.level);
    }
  });

  it("a type it does not know is not one of its own and counts as info", () => {
    expect(isEventType("test.filler")).toBe(false);
    expect(isEventType("toString")).toBe(false);
    expect(eventLevel("test.filler")).toBe("info");
    expect(eventLevel("door.open_timeout")).toBe("fault");
  });

  it("newEvent fills empty data", () => {
    expect(newEvent("alarm.door_closed", { lockerId: "A01" })).toEqual({ type: "alarm.door_closed", lockerId: "A01", data: {} });
  });
});
