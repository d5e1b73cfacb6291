/**
 * "Switch every lock output off", for each driver, without starting the daemon. The tool
 * `lockerd-outputs-off` (src/tools/outputs-off.ts) calls it; the service manager runs that
 * after lockerd stops for any reason.
 *
 * Extension point: a driver added to `hardware.driver` must get an entry here (the Record type
 * makes the compiler insist). RS-485 lock boards time their pulses themselves, so they map to
 * `boardsTimeTheirPulses` unless a board model needs an explicit "all off" command.
 */
import type { BankLayout } from "../config/layout.js";
import type { ResolvedConfig } from "../config/load.js";
import { gpioOutputsOff } from "./gpio/outputs-off.js";
import { modbusRelayOutputsOff } from "./modbus-relay/outputs-off.js";
import type { GpioClass } from "./gpio/gpio-port.js";

export interface OutputsOffDeps {
  /** onoff's Gpio class or a fake (tests). */
  loadGpio?: () => Promise<GpioClass>;
}

/** Switches a bank's outputs off; resolves with what it did, for the operator. */
export type OutputsOff = (cfg: ResolvedConfig, layout: BankLayout, deps: OutputsOffDeps) => Promise<string>;

/** For lock boards: the board ends every pulse itself, so nothing stays energised when lockerd stops. */
export const boardsTimeTheirPulses: OutputsOff = async (cfg) =>
  `the ${cfg.hardware.driver} lock boards time each unlock pulse themselves: no output is left on, nothing to do`;

export const OUTPUTS_OFF: Record<ResolvedConfig["hardware"]["driver"], OutputsOff> = {
  sim: async () => "the simulated bank has no real outputs: nothing to do",
  gpio: (cfg, layout, deps) => gpioOutputsOff(layout, cfg.paths.layout, cfg.hardware.gpio, deps.loadGpio),
  cu16: boardsTimeTheirPulses,
  "8a80": boardsTimeTheirPulses,
  "modbus-relay": (cfg, layout) => modbusRelayOutputsOff(cfg, layout),
  wkly: boardsTimeTheirPulses,
};

export function switchOutputsOff(cfg: ResolvedConfig, layout: BankLayout, deps: OutputsOffDeps = {}): Promise<string> {
  return OUTPUTS_OFF[cfg.hardware.driver](cfg, layout, deps);
}
