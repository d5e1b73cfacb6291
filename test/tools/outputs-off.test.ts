import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadLayout } from "../../src/config/layout.js";
import { loadConfig } from "../../src/config/load.js";
import { switchOutputsOff } from "../../src/drivers/outputs-off.js";
import { fakeGpio, fakeSysfs } from "../support/fake-gpio.js";

const run = promisify(execFile);
const TOOL = join(import.meta.dirname, "../../src/tools/outputs-off.ts");

let dir: string;
let sysfs: ReturnType<typeof fakeSysfs>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lockerd-outputs-off-"));
  sysfs = fakeSysfs([{ name: "gpiochip512", label: "pinctrl-bcm2711", base: 512, ngpio: 58 }]);
  writeFileSync(
    join(dir, "layout.json"),
    JSON.stringify({
      name: "gpio-3",
      columns: [
        {
          id: "A",
          lockers: [
            { id: "A01", size: "S", lock: { relay: 17, sensor: 4 } },
            { id: "A02", size: "M", lock: { relay: 27, sensor: 5 } },
            { id: "A03", size: "L", lock: { relay: 22, sensor: 6 } },
          ],
        },
      ],
    }),
  );
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  sysfs.remove();
});

function config(hardware: Record<string, unknown>): string {
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify({ dataDir: dir, bank: { layout: "layout.json" }, hardware }));
  return file;
}

async function off(hardware: Record<string, unknown>, gpio = fakeGpio()) {
  const cfg = loadConfig({ path: config(hardware), env: {} });
  const message = await switchOutputsOff(cfg, loadLayout(cfg.paths.layout, cfg.bank.sizes), { loadGpio: async () => gpio.Gpio });
  return { message, gpio };
}

describe("switching every output off", () => {
  it("drives every active-low relay high at the chip's offset, and touches no input", async () => {
    const { message, gpio } = await off({ driver: "gpio", gpio: { sysfsRoot: sysfs.root } });
    expect(gpio.log).toEqual(["open 529 high", "write 529 1", "open 539 high", "write 539 1", "open 534 high", "write 534 1"]);
    expect(message).toBe('switched 3 relays off (level 1) on gpiochip512 "pinctrl-bcm2711", base 512');
  });

  it("drives active-high relays low", async () => {
    const { gpio } = await off({ driver: "gpio", gpio: { sysfsRoot: sysfs.root, relayActiveLow: false } });
    expect([...gpio.pins.values()].map((p) => [p.sysfs, p.direction, p.level])).toEqual([
      [529, "low", 0],
      [539, "low", 0],
      [534, "low", 0],
    ]);
  });

  it("switches the others off when one pin fails, then reports that pin", async () => {
    const gpio = fakeGpio();
    gpio.refuse.add(539);
    await expect(off({ driver: "gpio", gpio: { sysfsRoot: sysfs.root } }, gpio)).rejects.toThrow(/could not switch off 1 of 3 relays:\n {2}- locker A02 relay pin 27 \(sysfs 539\): EACCES/);
    expect(gpio.pins.get(529)!.level).toBe(1);
    expect(gpio.pins.get(534)!.level).toBe(1);
  });

  it("has nothing to do for the simulated bank", async () => {
    expect((await off({ driver: "sim" })).message).toMatch(/simulated bank has no real outputs: nothing to do/);
  });
});

describe("the lockerd-outputs-off command", () => {
  it("exits 0 for the simulated bank and says there is nothing to do", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", TOOL, "--config", config({ driver: "sim" })], { env: { ...process.env, LOCKERD_CONFIG: "" } });
    expect(stdout).toBe("lockerd-outputs-off: the simulated bank has no real outputs: nothing to do\n");
  });

  it("exits 78 with the gpio group hint when GPIO cannot be reached", async () => {
    const file = config({ driver: "gpio", gpio: { sysfsRoot: join(dir, "no-gpio-here") } });
    const err = (await run(process.execPath, ["--import", "tsx", TOOL, "-c", file]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(78);
    expect(err.stderr).toMatch(/invalid configuration[\s\S]*cannot read the sysfs GPIO directory \(ENOENT\)[\s\S]*gpio group/);
  });
});
