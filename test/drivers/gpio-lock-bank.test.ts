import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { parseLayout } from "../../src/config/layout.js";
import { configSchema, type GpioConfig } from "../../src/config/schema.js";
import { GpioLockBank, MAX_PULSE_MS } from "../../src/drivers/gpio/gpio-lock-bank.js";
import type { DoorPosition } from "../../src/drivers/lock-bank.js";
import { fakeGpio, fakeSysfs, type FakeGpio } from "../support/fake-gpio.js";

const layout = (lockers: { id: string; lock: Record<string, number> }[]) =>
  parseLayout({ name: "t", columns: [{ id: "A", lockers: lockers.map((l) => ({ ...l, size: "S" })) }] }, ["S"], "layout.json");

const TWO = layout([
  { id: "A01", lock: { relay: 17, sensor: 4 } },
  { id: "A02", lock: { relay: 27, sensor: 5 } },
]);

let sysfs: ReturnType<typeof fakeSysfs>;
let gpio: FakeGpio;
let bank: GpioLockBank | null = null;
let heard: { id: string; pos: DoorPosition }[];
let health: { ids: readonly string[]; online: boolean }[];

function settings(over: Partial<GpioConfig> = {}): GpioConfig {
  return { ...configSchema.parse({}).hardware.gpio, sysfsRoot: sysfs.root, debounceMs: 20, ...over };
}

async function started(over: Partial<GpioConfig> = {}, l = TWO) {
  bank = new GpioLockBank({ layout: l, layoutSource: "layout.json", settings: settings(over), loadGpio: async () => gpio.Gpio });
  await bank.start({ door: (id, pos) => heard.push({ id, pos }), health: (ids, online) => health.push({ ids, online }) });
  return bank;
}

beforeEach(() => {
  sysfs = fakeSysfs([{ name: "gpiochip512", label: "pinctrl-bcm2711", base: 512, ngpio: 58 }]);
  gpio = fakeGpio();
  heard = [];
  health = [];
});

afterEach(async () => {
  await bank?.stop();
  bank = null;
  vi.useRealTimers();
  sysfs.remove();
});

describe("GPIO lock bank", () => {
  it("exports pins at the chip's base offset and switches every relay off before opening any input", async () => {
    await started();
    // BCM 17 and 27 on a chip based at 512; active-low relays start high.
    expect(gpio.log.slice(0, 4)).toEqual(["open 529 high", "write 529 1", "open 539 high", "write 539 1"]);
    expect(gpio.log.slice(4)).toEqual(["open 516 in", "open 517 in"]);
    expect(gpio.pins.get(516)!.edge).toBe("both");
  });

  it("pulses an active-low relay low, and a timer switches it off", async () => {
    vi.useFakeTimers();
    const b = await started();
    await b.unlock("A01", 500);
    expect(gpio.pins.get(529)!.level).toBe(0);
    vi.advanceTimersByTime(499);
    expect(gpio.pins.get(529)!.level).toBe(0);
    vi.advanceTimersByTime(1);
    expect(gpio.pins.get(529)!.level).toBe(1);
    expect(b.isPulsing("A01")).toBe(false);
  });

  it("pulses an active-high relay high and starts it low", async () => {
    vi.useFakeTimers();
    const b = await started({ relayActiveLow: false });
    expect(gpio.pins.get(529)!.direction).toBe("low");
    await b.unlock("A02", 300);
    expect(gpio.pins.get(539)!.writes).toEqual([0, 1]);
    vi.advanceTimersByTime(300);
    expect(gpio.pins.get(539)!.writes).toEqual([0, 1, 0]);
  });

  it("refuses a second pulse while the first is still on, and caps a pulse's length", async () => {
    vi.useFakeTimers();
    const b = await started();
    await b.unlock("A01", 60_000);
    await expect(b.unlock("A01", 500)).rejects.toThrow(/already being pulsed/);
    vi.advanceTimersByTime(MAX_PULSE_MS);
    expect(gpio.pins.get(529)!.level).toBe(1);
    await b.unlock("A01", 500);
    expect(gpio.pins.get(529)!.level).toBe(0);
  });

  it("switches a pulsing relay off at stop and releases every pin", async () => {
    const b = await started();
    await b.unlock("A01", 5000);
    await b.stop();
    expect(gpio.pins.get(529)!.level).toBe(1);
    expect([...gpio.pins.values()].every((p) => !p.exported)).toBe(true);
    expect(gpio.pins.get(516)!.watcherCount()).toBe(0);
    await expect(b.unlock("A01", 500)).rejects.toThrow(/stopped/);
  });

  it("reads the doors at start with the pull-up polarity (high = open)", async () => {
    gpio = fakeGpio({ 517: 1 });
    const b = await started();
    expect(b.doors().get("A01")).toBe("closed");
    expect(b.doors().get("A02")).toBe("open");
    expect(heard).toEqual([]);
  });

  it("debounces a bouncing door input into one change", async () => {
    vi.useFakeTimers();
    await started();
    const sensor = gpio.pins.get(516)!;
    sensor.set(1);
    vi.advanceTimersByTime(5);
    sensor.set(0);
    vi.advanceTimersByTime(5);
    sensor.set(1);
    vi.advanceTimersByTime(19);
    expect(heard).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(heard).toEqual([{ id: "A01", pos: "open" }]);
    // A bounce that ends where it started reports nothing.
    sensor.set(0);
    vi.advanceTimersByTime(3);
    sensor.set(1);
    vi.advanceTimersByTime(50);
    expect(heard).toEqual([{ id: "A01", pos: "open" }]);
  });

  it("reads doorOpenLevel low as open when the switch is wired the other way", async () => {
    vi.useFakeTimers();
    const b = await started({ doorOpenLevel: "low" });
    expect(b.doors().get("A02")).toBe("open");
    gpio.pins.get(517)!.set(1);
    vi.advanceTimersByTime(20);
    expect(heard).toEqual([{ id: "A02", pos: "closed" }]);
  });

  it("marks a locker offline when its input cannot be read, and online again when it can", async () => {
    vi.useFakeTimers();
    const b = await started();
    const sensor = gpio.pins.get(516)!;
    sensor.failReads = true;
    sensor.set(1);
    vi.advanceTimersByTime(20);
    expect(b.offline().has("A01")).toBe(true);
    expect(health).toEqual([{ ids: ["A01"], online: false }]);
    sensor.failReads = false;
    sensor.set(1);
    vi.advanceTimersByTime(20);
    expect(b.offline().has("A01")).toBe(false);
    expect(health.at(-1)).toEqual({ ids: ["A01"], online: true });
    expect(heard).toEqual([{ id: "A01", pos: "open" }]);
  });

  it("lists every wiring problem at once", () => {
    const bad = layout([
      { id: "A01", lock: { relay: 17, sensor: 4 } },
      { id: "A02", lock: { relay: 17 } },
      { id: "A03", lock: { sensor: 4 } },
    ]);
    let err: unknown;
    try {
      new GpioLockBank({ layout: bad, layoutSource: "layout.json", settings: settings(), loadGpio: async () => gpio.Gpio });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      "locker A02: no door sensor pin (lock.sensor)",
      "locker A03: no relay pin (lock.relay)",
      "pin 17 is used 2 times (A01 relay, A02 relay)",
      "pin 4 is used 2 times (A01 sensor, A03 sensor)",
    ]);
  });

  it("rejects pins the chip does not have, at start", async () => {
    const far = layout([{ id: "A01", lock: { relay: 60, sensor: 4 } }]);
    await expect(started({}, far)).rejects.toThrow(/A01: relay pin 60 is out of range \(the GPIO chip has pins 0-57\)/);
    bank = null;
    expect(gpio.pins.size).toBe(0);
  });

  it("lists the pins it could not export with the gpio group hint, and releases the others", async () => {
    gpio.refuse.add(539);
    await expect(started()).rejects.toThrow(/A02: relay pin 27 \(sysfs 539\): EACCES.*gpio group/s);
    bank = null;
    expect(gpio.pins.get(529)!.exported).toBe(false);
    expect(gpio.pins.get(529)!.level).toBe(1);
  });
});
