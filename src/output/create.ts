/** The composition root's choice of indicator. onoff is loaded only for a GPIO indicator. */
import type { ResolvedConfig } from "../config/load.js";
import type { Logger } from "../system/logger.js";
import { sysfsGpioBase } from "./gpio-base.js";
import { GpioIndicator } from "./gpio-indicator.js";
import type { Indicator } from "./indicator.js";
import { SimIndicator } from "./sim-indicator.js";

export async function createIndicator(cfg: ResolvedConfig, log: Logger): Promise<Indicator> {
  const ind = cfg.indicator;
  const ilog = log.child({ component: "indicator" });
  if (ind.type === "sim") return new SimIndicator(ilog);
  const { Gpio } = await import("onoff");
  const base = ind.gpio.chipBase ?? sysfsGpioBase();
  return new GpioIndicator((pin) => new Gpio(base + pin, "out"), { ...ind.gpio }, ilog);
}
