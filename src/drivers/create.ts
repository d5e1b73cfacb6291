/** The composition root's choice of lock driver, from the configuration. */
import type { ResolvedConfig } from "../config/load.js";
import type { BankLayout } from "../config/layout.js";
import type { Logger } from "../system/logger.js";
import { GpioLockBank } from "./gpio/gpio-lock-bank.js";
import type { LockBank } from "./lock-bank.js";
import { createBoardLockBank } from "./serial/from-config.js";
import { SimLockBank } from "./sim/sim-lock-bank.js";

export function createLockBank(cfg: ResolvedConfig, layout: BankLayout, log?: Logger): LockBank {
  switch (cfg.hardware.driver) {
    case "sim":
      return new SimLockBank({ lockerIds: layout.lockers.map((l) => l.id), person: cfg.hardware.sim.person, faults: cfg.hardware.sim.faults });
    case "gpio":
      return new GpioLockBank({ layout, layoutSource: cfg.paths.layout, settings: cfg.hardware.gpio });
    case "cu16":
    case "8a80":
    case "modbus-relay":
    case "wkly":
      return createBoardLockBank(cfg.hardware.driver, cfg, layout, { log });
  }
}
