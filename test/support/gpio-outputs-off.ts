/**
 * lockerd-outputs-off (src/tools/outputs-off.ts) on a GPIO bank whose pins are files
 * (file-gpio.ts): the same switchOutputsOff, handed the file-backed Gpio class instead of onoff.
 * Run as `node --import tsx test/support/gpio-outputs-off.ts CONFIG`. Prints what it did; exits
 * 0 when every output is off, 1 otherwise, as the tool does.
 */
import { loadLayout } from "../../src/config/layout.js";
import { loadConfig } from "../../src/config/load.js";
import { switchOutputsOff } from "../../src/drivers/outputs-off.js";
import { fileGpio } from "./file-gpio.js";

try {
  const cfg = loadConfig({ path: process.argv[2] ?? null, env: {} });
  const layout = loadLayout(cfg.paths.layout, cfg.bank.sizes);
  const message = await switchOutputsOff(cfg, layout, { loadGpio: async () => fileGpio(cfg.hardware.gpio.sysfsRoot) });
  process.stdout.write(`lockerd-outputs-off: ${message}\n`);
} catch (e) {
  process.stderr.write(`lockerd-outputs-off: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
