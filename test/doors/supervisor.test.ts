import { afterEach, expect, it, vi } from "vitest";
import { parseLayout } from "../../src/config/layout.js";
import { configSchema } from "../../src/config/schema.js";
import { GpioLockBank } from "../../src/drivers/gpio/gpio-lock-bank.js";
import { fakeGpio, fakeSysfs } from "../support/fake-gpio.js";
import { DoorSupervisor, type DoorOutcomes } from "../../src/doors/supervisor.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import type { SimFaultConfig } from "../../src/config/schema.js";
import { FakeClock } from "../support/clock.js";

let sup: DoorSupervisor | null = null;
afterEach(async () => {
  await sup?.stop();
  sup = null;
  vi.useRealTimers();
});

async function setup(settings: { sensorSettleMs?: number } = {}, faults: SimFaultConfig[] = []) {
  const clock = new FakeClock();
  const bank = new SimLockBank({ lockerIds: ["A01", "A02"], person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 }, faults });
  const heard: string[] = [];
  const outcomes: DoorOutcomes = {
    opened: (id, intent) => heard.push(`opened ${id} ${intent}`),
    closed: (id, intent) => heard.push(`closed ${id} ${intent}`),
    didNotOpen: (id, intent, reason) => heard.push(`didNotOpen ${id} ${intent} ${reason}`),
    forced: (id, how) => heard.push(how === "found_open" ? `foundOpen ${id}` : `forced ${id}`),
    leftOpen: (id) => heard.push(`leftOpen ${id}`),
    closedAfterAlarm: (id) => heard.push(`closedAfterAlarm ${id}`),
    health: (ids, online) => heard.push(`health ${ids.join(",")} ${online}`),
    sensorUnstable: (id) => heard.push(`unstable ${id}`),
    sensorSettled: (id, pos) => heard.push(`settled ${id} ${pos}`),
  };
  sup = new DoorSupervisor(bank, clock, { pulseMs: 500, openTimeoutMs: 10_000, leftOpenMs: 60_000, leftOpenRepeatMs: 60_000, ...settings }, (e) => {
    throw e;
  });
  await sup.start(outcomes);
  return { clock, bank, heard, sup };
}

it("pulses once when the same unlock is asked for again while the lock is still energised", async () => {
  const { clock, bank, sup } = await setup();
  await sup.unlock("A01", 7);
  clock.advance(499);
  await sup.unlock("A01", 7);
  expect(bank.pulses).toHaveLength(1);
  clock.advance(1);
  await sup.unlock("A01", 7);
  expect(bank.pulses).toHaveLength(2);
});

it("counts a door that opens just before the timeout, while its sensor settles, as opened", async () => {
  const { clock, bank, heard, sup } = await setup({ sensorSettleMs: 100 });
  await sup.unlock("A01", 1);
  clock.advance(9_950);
  bank.setDoor("A01", "open");
  clock.advance(50);
  expect(heard).toEqual([]);
  clock.advance(50);
  expect(heard).toEqual(["opened A01 1"]);
});

it("holds a change until the sensor has settled, and drops a bounce that returns", async () => {
  const { clock, bank, heard } = await setup({ sensorSettleMs: 100 });
  bank.setDoor("A02", "open");
  clock.advance(60);
  bank.setDoor("A02", "closed");
  clock.advance(500);
  expect(heard).toEqual([]);
  bank.setDoor("A02", "open");
  clock.advance(100);
  expect(heard).toEqual(["forced A02"]);
});

it("takes the doors as they are at start rather than as events", async () => {
  const { heard, sup } = await setup({}, [{ kind: "forced", lockers: ["A02"], atMs: 0 }]);
  expect(heard).toEqual([]);
  expect(sup.position("A02")).toBe("open");
});

it("says an unlock timed out because the hardware went away, not because the door stuck", async () => {
  const { clock, bank, heard, sup } = await setup();
  await sup.unlock("A01", 3);
  bank.setOnline(["A01"], false);
  bank.setOnline(["A01"], true);
  clock.advance(10_000);
  expect(heard).toEqual(["health A01 false", "health A01 true", "didNotOpen A01 3 hardware_offline"]);
  await expect(sup.unlock("A02", 4)).resolves.toBeUndefined();
  clock.advance(10_000);
  expect(heard.at(-1)).toBe("didNotOpen A02 4 stayed_closed");
});

it("takes a lock still energised by a stalled pulse as unlocked, not as a failure", async () => {
  vi.useFakeTimers();
  const sysfs = fakeSysfs([{ name: "gpiochip512", label: "pinctrl-bcm2835", base: 512, ngpio: 54 }]);
  try {
    const gpio = fakeGpio();
    const layout = parseLayout({ name: "g", columns: [{ id: "A", lockers: [{ id: "A01", size: "S", lock: { relay: 17, sensor: 4 } }] }] }, ["S"], "layout.json");
    const bank = new GpioLockBank({ layout, layoutSource: "layout.json", settings: { ...configSchema.parse({}).hardware.gpio, sysfsRoot: sysfs.root, debounceMs: 0 }, loadGpio: async () => gpio.Gpio });
    const clock = new FakeClock();
    const heard: string[] = [];
    const outcomes = { opened: (id: string) => heard.push(`opened ${id}`) } as unknown as DoorOutcomes;
    sup = new DoorSupervisor(bank, clock, { pulseMs: 500, openTimeoutMs: 10_000, leftOpenMs: 60_000, leftOpenRepeatMs: 60_000 }, (e) => {
      throw e;
    });
    await sup.start(outcomes);
    await sup.unlock("A01", 1);
    // The supervisor's clock says the pulse is over, the driver's off timer has not run yet.
    clock.advance(600);
    await expect(sup.unlock("A01", 1)).resolves.toBeUndefined();
    expect(gpio.pins.get(529)!.writes).toEqual([1, 0]);
    gpio.pins.get(516)!.set(1);
    expect(heard).toEqual(["opened A01"]);
    vi.advanceTimersByTime(500);
    expect(gpio.pins.get(529)!.level).toBe(1);
  } finally {
    await sup?.stop();
    sup = null;
    sysfs.remove();
  }
});

it("lets an unlock take over a door that stands open with nothing under way, reporting it opened at once", async () => {
  const { bank, heard, sup } = await setup();
  bank.setDoor("A01", "open");
  expect(sup.openUnattended()).toEqual(new Set(["A01"]));
  await sup.unlock("A01", 5);
  expect(bank.pulses).toEqual([]);
  expect(sup.openUnattended()).toEqual(new Set());
  // The same intent again while the door is open changes nothing.
  await sup.unlock("A01", 5);
  bank.setDoor("A01", "closed");
  expect(heard).toEqual(["forced A01", "opened A01 5", "closed A01 5", "closedAfterAlarm A01"]);
});

it("refuses a second intent on a door that is busy with another, so neither is stranded", async () => {
  const { clock, bank, heard, sup } = await setup();
  await sup.unlock("A01", 1);
  await expect(sup.unlock("A01", 2)).rejects.toMatchObject({ code: "LOCKER_BUSY" });
  bank.setDoor("A01", "open");
  await expect(sup.unlock("A01", 3)).rejects.toMatchObject({ code: "LOCKER_BUSY" });
  bank.setDoor("A01", "closed");
  clock.advance(60_000);
  expect(heard).toEqual(["opened A01 1", "closed A01 1"]);
  expect(bank.pulses).toHaveLength(1);
});

it("takes a door open at start as open with nothing under way: timed for the left-open alarm, not forced", async () => {
  const { clock, bank, heard, sup } = await setup({}, [{ kind: "forced", lockers: ["A02"], atMs: 0 }]);
  expect(sup.openUnattended()).toEqual(new Set(["A02"]));
  clock.advance(60_000);
  bank.setDoor("A02", "closed");
  expect(heard).toEqual(["leftOpen A02", "closedAfterAlarm A02"]);
  expect(sup.openUnattended()).toEqual(new Set());
});

it("lets reconciliation adopt a door open at start for its intent without a stray left-open alarm", async () => {
  const { clock, bank, heard, sup } = await setup({}, [{ kind: "forced", lockers: ["A02"], atMs: 0 }]);
  clock.advance(30_000);
  sup.adoptOpen("A02", 9);
  expect(sup.openUnattended()).toEqual(new Set());
  clock.advance(59_999);
  bank.setDoor("A02", "closed");
  expect(heard).toEqual(["closed A02 9"]);
});

it("takes the close of a door that is shutting as it is unlocked, and pulses rather than hand over a closing door", async () => {
  const { clock, bank, heard, sup } = await setup({ sensorSettleMs: 100 });
  bank.setDoor("A01", "open");
  clock.advance(100);
  bank.setDoor("A01", "closed");
  clock.advance(50);
  await sup.unlock("A01", 4);
  expect(bank.pulses).toHaveLength(1);
  expect(heard).toEqual(["forced A01", "closedAfterAlarm A01"]);
  bank.setDoor("A01", "open");
  clock.advance(100);
  bank.setDoor("A01", "closed");
  clock.advance(100);
  expect(heard.slice(2)).toEqual(["opened A01 4", "closed A01 4"]);
});

it("reports a door whose hardware was offline since start and is open when first read as found open, timed and alarmed", async () => {
  const { clock, bank, heard, sup } = await setup({ sensorSettleMs: 100 }, [{ kind: "offline", lockers: ["A01", "A02"], atMs: 0 }]);
  expect(sup.position("A01")).toBe("unknown");
  bank.forceOpen("A01"); // unseen: the hardware is offline
  bank.setOnline(["A01", "A02"], true);
  clock.advance(100);
  expect(heard).toEqual(["health A01,A02 false", "health A01,A02 true", "foundOpen A01"]);
  expect(sup.openUnattended()).toEqual(new Set(["A01"]));
  clock.advance(60_000);
  expect(heard.slice(3)).toEqual(["leftOpen A01"]);
  bank.setDoor("A01", "closed");
  clock.advance(100);
  expect(heard.slice(4)).toEqual(["closedAfterAlarm A01"]);
  // Known from then on: a later opening without an unlock is an ordinary forced door.
  bank.forceOpen("A01");
  clock.advance(100);
  expect(heard.slice(5)).toEqual(["forced A01"]);
});

it("a door that was known before its hardware went offline and is open when it returns is forced, not found open", async () => {
  const { clock, bank, heard } = await setup();
  bank.setOnline(["A02"], false);
  bank.forceOpen("A02");
  bank.setOnline(["A02"], true);
  clock.advance(0);
  expect(heard).toEqual(["health A02 false", "health A02 true", "forced A02"]);
});
