/**
 * Drive every relay of a GPIO bank to its off level, from a process of its own (the service
 * manager runs it after lockerd stops, however it stopped). The pins are left exported as
 * outputs holding that level: the surest state for a lock coil until lockerd starts again.
 */
import type { BankLayout } from "../../config/layout.js";
import type { GpioConfig } from "../../config/schema.js";
import { checkGpioAccess, findGpioChip } from "./chip-base.js";
import { openRelay, relayLevels } from "./gpio-lock-bank.js";
import { loadOnoff, type GpioClass } from "./gpio-port.js";
import { gpioWiring } from "./wiring.js";

export async function gpioOutputsOff(layout: BankLayout, layoutSource: string, settings: GpioConfig, loadGpio: () => Promise<GpioClass> = loadOnoff): Promise<string> {
  const chip = findGpioChip(settings.sysfsRoot, settings.chipLabels);
  checkGpioAccess(settings.sysfsRoot);
  const wiring = gpioWiring(layout, layoutSource, chip.ngpio);
  const Gpio = await loadGpio();
  const { off } = relayLevels(settings.relayActiveLow);
  const failed: string[] = [];
  for (const w of wiring) {
    try {
      openRelay(Gpio, chip.base + w.relay, off);
    } catch (e) {
      failed.push(`locker ${w.lockerId} relay pin ${w.relay} (sysfs ${chip.base + w.relay}): ${(e as Error).message}`);
    }
  }
  // Every pin was tried before giving up on any.
  if (failed.length) throw new Error(`could not switch off ${failed.length} of ${wiring.length} relays:\n${failed.map((f) => `  - ${f}`).join("\n")}`);
  return `switched ${wiring.length} relays off (level ${off}) on ${chip.name} "${chip.label}", base ${chip.base}`;
}
