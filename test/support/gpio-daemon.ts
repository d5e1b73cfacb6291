/**
 * The real daemon as its own process on a GPIO bank whose pins are files (file-gpio.ts), so a
 * test can kill it and look at the outputs it left behind. Run as
 * `node --import tsx test/support/gpio-daemon.ts CONFIG`: the configuration must use the gpio
 * driver with hardware.gpio.sysfsRoot a fake sysfs tree. Prints `listening <url>` once up; stops
 * on SIGTERM/SIGINT the way src/main.ts does (its shutdown, with outputs off first). Logs go to
 * stderr.
 */
import { loadLayout } from "../../src/config/layout.js";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon } from "../../src/daemon.js";
import { GpioLockBank } from "../../src/drivers/gpio/gpio-lock-bank.js";
import { createLogger } from "../../src/system/logger.js";
import { createNotifier } from "../../src/system/notify.js";
import { createShutdown } from "../../src/system/shutdown.js";
import { fileGpio } from "./file-gpio.js";

const cfg = loadConfig({ path: process.argv[2] ?? null, env: {} });
const gpio = cfg.hardware.gpio;
const lockBank = new GpioLockBank({
  layout: loadLayout(cfg.paths.layout, cfg.bank.sizes),
  layoutSource: cfg.paths.layout,
  settings: gpio,
  loadGpio: async () => fileGpio(gpio.sysfsRoot),
});
const log = createLogger({ ...cfg.log, pretty: false }, process.stderr);
const notifier = createNotifier(log);
const daemon = await startDaemon(cfg, log, { lockBank });
const shutdown = createShutdown({
  log,
  notifier,
  stop: () => daemon.stop(),
  outputsOff: () => daemon.lockBank.allOff(),
  timeoutMs: cfg.system.stopTimeoutMs,
  exit: (code) => process.exit(code),
});
process.on("SIGTERM", () => shutdown.request("SIGTERM"));
process.on("SIGINT", () => shutdown.request("SIGINT"));
process.stdout.write(`listening ${daemon.url}\n`);
