import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { checkGpioAccess, findGpioChip } from "../../src/drivers/gpio/chip-base.js";
import { fakeSysfs } from "../support/fake-gpio.js";

const LABELS = ["pinctrl-bcm2835", "pinctrl-bcm2711"];
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function tree(...args: Parameters<typeof fakeSysfs>) {
  const t = fakeSysfs(...args);
  cleanups.push(t.remove);
  return t.root;
}

describe("gpiochip base lookup", () => {
  it("finds base 0 on an older kernel", () => {
    const root = tree([{ name: "gpiochip0", label: "pinctrl-bcm2835", base: 0, ngpio: 54 }]);
    expect(findGpioChip(root, LABELS)).toEqual({ name: "gpiochip0", label: "pinctrl-bcm2835", base: 0, ngpio: 54 });
  });

  it("finds base 512 on a Bookworm kernel, next to other chips", () => {
    const root = tree([
      { name: "gpiochip570", label: "raspberrypi-exp-gpio", base: 570, ngpio: 8 },
      { name: "gpiochip512", label: "pinctrl-bcm2711", base: 512, ngpio: 58 },
    ]);
    const chip = findGpioChip(root, LABELS);
    expect(chip.base).toBe(512);
    expect(chip.ngpio).toBe(58);
  });

  it("prefers labels in the configured order", () => {
    const root = tree([
      { name: "gpiochip0", label: "pinctrl-bcm2711", base: 0, ngpio: 58 },
      { name: "gpiochip100", label: "pinctrl-bcm2835", base: 100, ngpio: 54 },
    ]);
    expect(findGpioChip(root, ["pinctrl-bcm2835", "pinctrl-bcm2711"]).base).toBe(100);
  });

  it("names what it found when no chip matches", () => {
    const root = tree([{ name: "gpiochip570", label: "raspberrypi-exp-gpio", base: 570, ngpio: 8 }]);
    let err: unknown;
    try {
      findGpioChip(root, LABELS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatch(/hardware\.gpio\.chipLabels: no GPIO chip labelled "pinctrl-bcm2835" or "pinctrl-bcm2711" \(found gpiochip570 "raspberrypi-exp-gpio" \(base 570\)\)/);
  });

  it("explains a missing sysfs GPIO directory with the gpio group hint", () => {
    const root = tree([]);
    expect(() => findGpioChip(`${root}/nope`, LABELS)).toThrow(/cannot read the sysfs GPIO directory \(ENOENT\).*gpio group/s);
  });

  it("reports an export file it cannot write, with the gpio group hint", () => {
    const root = tree([{ name: "gpiochip0", label: "pinctrl-bcm2835", base: 0, ngpio: 54 }], { exportFile: false });
    expect(() => checkGpioAccess(root)).toThrow(/cannot write .*export \(ENOENT\).*gpio group/s);
    const ok = tree([{ name: "gpiochip0", label: "pinctrl-bcm2835", base: 0, ngpio: 54 }]);
    expect(() => checkGpioAccess(ok)).not.toThrow();
  });
});
