/**
 * Where the Pi's GPIO pins are in sysfs. Bookworm kernels (6.6+) number sysfs GPIOs from the
 * chip's base (512 on some models, other values on others), so BCM pin 17 may be sysfs 529:
 * the base is read from /sys/class/gpio/gpiochip<N>/{base,label,ngpio}, never assumed.
 */
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../config/errors.js";

export interface GpioChip {
  /** e.g. "gpiochip512" */
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

export const GPIO_ACCESS_HINT =
  "the daemon's user needs write access to the sysfs GPIO files: add it to the gpio group " +
  "(Raspberry Pi OS ships a udev rule for that group), and do not run the service with ProtectKernelTunables=yes";

/** Every gpiochip under sysfsRoot, as the kernel describes it. */
export function listGpioChips(sysfsRoot: string): GpioChip[] {
  let names: string[];
  try {
    names = readdirSync(sysfsRoot).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (e) {
    throw new ConfigError(sysfsRoot, [
      `cannot read the sysfs GPIO directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): ` +
        `is this a Raspberry Pi with a kernel that has sysfs GPIO (CONFIG_GPIO_SYSFS)? ${GPIO_ACCESS_HINT}`,
    ]);
  }
  const chips: GpioChip[] = [];
  for (const name of names) {
    const read = (f: string) => readFileSync(join(sysfsRoot, name, f), "utf8").trim();
    try {
      const base = Number(read("base"));
      const ngpio = Number(read("ngpio"));
      if (Number.isInteger(base) && Number.isInteger(ngpio)) chips.push({ name, label: read("label"), base, ngpio });
    } catch {
      // A chip whose files cannot be read is not one we can use; it shows up as missing.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** The first chip whose label is in `labels` (in the order given), or a ConfigError that lists what was found. */
export function findGpioChip(sysfsRoot: string, labels: readonly string[]): GpioChip {
  const chips = listGpioChips(sysfsRoot);
  for (const label of labels) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  const found = chips.length ? chips.map((c) => `${c.name} "${c.label}" (base ${c.base})`).join(", ") : "no gpiochip at all";
  throw new ConfigError(sysfsRoot, [
    `hardware.gpio.chipLabels: no GPIO chip labelled ${labels.map((l) => JSON.stringify(l)).join(" or ")} (found ${found})`,
  ]);
}

/** Whether this process may export pins; a ConfigError with the gpio-group hint when not. */
export function checkGpioAccess(sysfsRoot: string): void {
  try {
    accessSync(join(sysfsRoot, "export"), constants.W_OK);
  } catch (e) {
    throw new ConfigError(sysfsRoot, [
      `cannot write ${join(sysfsRoot, "export")} (${(e as NodeJS.ErrnoException).code ?? "error"}): ${GPIO_ACCESS_HINT}`,
    ]);
  }
}
