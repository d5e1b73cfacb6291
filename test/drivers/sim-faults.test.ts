import { afterEach, expect, it, vi } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import type { DoorPosition } from "../../src/drivers/lock-bank.js";
import { SimLockBank, type SimBankOptions } from "../../src/drivers/sim/sim-lock-bank.js";

let bank: SimLockBank | null = null;
afterEach(async () => {
  await bank?.stop();
  bank = null;
  vi.useRealTimers();
});

async function started(opts: Partial<SimBankOptions>) {
  const heard: string[] = [];
  bank = new SimLockBank({ lockerIds: ["A01", "A02", "A03"], person: { enabled: true, openDelayMs: 10, closeDelayMs: 20 }, ...opts });
  await bank.start({
    door: (id: string, pos: DoorPosition) => heard.push(`${id} ${pos}`),
    health: (ids, online, detail) => heard.push(`${ids.join(",")} ${online ? "online" : "offline"} (${detail})`),
  });
  return { bank, heard };
}

it("runs configured faults on their schedule: a forced door and a board that goes away and comes back", async () => {
  vi.useFakeTimers();
  const { heard } = await started({
    faults: [
      { kind: "forced", lockers: ["A03"], atMs: 100, forMs: 50 },
      { kind: "offline", lockers: ["A01", "A02"], atMs: 200, forMs: 100 },
    ],
  });
  vi.advanceTimersByTime(150);
  expect(heard).toEqual(["A03 open", "A03 closed"]);
  vi.advanceTimersByTime(50);
  expect(bank!.offline()).toEqual(new Set(["A01", "A02"]));
  expect(bank!.doors().get("A01")).toBe("unknown");
  await expect(bank!.unlock("A01", 500)).rejects.toThrow(/offline/);
  vi.advanceTimersByTime(100);
  expect(heard.slice(2)).toEqual(["A01,A02 offline (simulated fault)", "A01,A02 online (simulated fault)", "A01 closed", "A02 closed"]);
});

it("a jammed door never opens, a door left open never closes", async () => {
  vi.useFakeTimers();
  const { bank, heard } = await started({ faults: [{ kind: "jammed", lockers: ["A01"], atMs: 0 }] });
  bank.setFault("A02", "left_open");
  await bank.unlock("A01", 500);
  await bank.unlock("A02", 500);
  vi.advanceTimersByTime(10_000);
  expect(heard).toEqual(["A02 open"]);
  expect(bank.actualDoor("A01")).toBe("closed");
  expect(bank.pulses.map((p) => p.lockerId)).toEqual(["A01", "A02"]);
});

it("a door moved while its board is offline is reported when the board answers again", async () => {
  const { bank, heard } = await started({ person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
  bank.setOnline(["A01"], false);
  bank.setDoor("A01", "open");
  expect(heard).toEqual(["A01 offline (simulated)"]);
  bank.setOnline(["A01"], true);
  expect(heard).toEqual(["A01 offline (simulated)", "A01 online (simulated)", "A01 open"]);
});

it("a flapping sensor toggles until cleared, then reads the door as it is", async () => {
  vi.useFakeTimers();
  const { bank, heard } = await started({ flapIntervalMs: 10 });
  bank.setFault("A02", "flapping");
  vi.advanceTimersByTime(50);
  expect(heard).toEqual(["A02 open", "A02 closed", "A02 open", "A02 closed", "A02 open"]);
  bank.setFault("A02", null);
  vi.advanceTimersByTime(50);
  expect(heard.at(-1)).toBe("A02 closed");
  expect(heard).toHaveLength(6);
});

it("names fault lockers that are not in the layout", () => {
  expect(() => new SimLockBank({ lockerIds: ["A01"], person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 }, faults: [{ kind: "jammed", lockers: ["Z99"], atMs: 0 }] })).toThrow(ConfigError);
});
