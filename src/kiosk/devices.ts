/** The kiosk's devices: from the configuration, or handed in by the caller (tests, the simulator). */
import type { ResolvedConfig } from "../config/load.js";
import { createInputDevices } from "../input/create.js";
import type { KeypadDevice, ScannerDevice } from "../input/devices.js";
import type { HidAccess } from "../input/hid-access.js";
import { createIndicator } from "../output/create.js";
import type { Indicator } from "../output/indicator.js";
import type { Logger } from "../system/logger.js";

export interface KioskDeviceOverrides {
  /** null: no keypad even if one is configured. */
  keypad?: KeypadDevice | null;
  scanner?: ScannerDevice | null;
  indicator?: Indicator;
  /** A HidAccess for configured HID devices (tests hand in a fake). */
  hid?: HidAccess;
}

export async function kioskDevices(cfg: ResolvedConfig, log: Logger, o: KioskDeviceOverrides = {}) {
  const configured = o.keypad !== undefined && o.scanner !== undefined ? { keypad: null, scanner: null } : await createInputDevices(cfg, log, o.hid);
  return {
    keypad: o.keypad !== undefined ? o.keypad : configured.keypad,
    scanner: o.scanner !== undefined ? o.scanner : configured.scanner,
    indicator: o.indicator ?? (await createIndicator(cfg, log)),
  };
}
