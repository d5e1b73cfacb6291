/**
 * The sysfs GPIO number of a BCM pin is base + pin, and the base differs between Raspberry Pi
 * kernels (0 on older ones, 512 and others on 6.6+). Read it from the gpiochip labels.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export function sysfsGpioBase(root = "/sys/class/gpio"): number {
  let chips: string[];
  try {
    chips = readdirSync(root).filter((n) => n.startsWith("gpiochip"));
  } catch {
    throw new Error(`no sysfs GPIO at ${root}; set indicator.gpio.chipBase`);
  }
  for (const chip of chips) {
    const label = readFileSync(join(root, chip, "label"), "utf8").trim();
    if (/^pinctrl-(bcm\d+|rp1)$/.test(label)) return Number(readFileSync(join(root, chip, "base"), "utf8").trim());
  }
  throw new Error(`no Raspberry Pi GPIO controller among ${chips.join(", ") || "no chips"}; set indicator.gpio.chipBase`);
}
