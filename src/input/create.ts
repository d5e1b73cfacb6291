/** The composition root's choice of keypad and scanner, from the configuration. */
import type { ResolvedConfig } from "../config/load.js";
import type { Logger } from "../system/logger.js";
import type { KeypadDevice, ScannerDevice } from "./devices.js";
import type { HidAccess } from "./hid-access.js";
import { HidKeypad } from "./hid-keypad.js";
import { HidScanner } from "./hid-scanner.js";
import { Keymap } from "./keymap.js";
import { nodeHidAccess } from "./node-hid-access.js";
import { SerialScanner } from "./serial-scanner.js";
import { SimKeypad, SimScanner } from "./sim-devices.js";
import { TerminalKeypad } from "./terminal-keypad.js";

export interface InputDevices {
  keypad: KeypadDevice | null;
  scanner: ScannerDevice | null;
}

export async function createInputDevices(cfg: ResolvedConfig, log: Logger, hid?: HidAccess): Promise<InputDevices> {
  const k = cfg.input.keypad;
  const s = cfg.input.scanner;
  let access = hid;
  const getHid = async () => (access ??= await nodeHidAccess({ exclusive: (k.type === "hid" && k.exclusive) || (s.type === "hid" && s.exclusive) }));
  let keypad: KeypadDevice | null = null;
  switch (k.type) {
    case "none":
      break;
    case "sim":
      keypad = new SimKeypad();
      break;
    case "terminal":
      // Only where a person is typing: under systemd stdin is not a terminal.
      if (process.stdin.isTTY) keypad = new TerminalKeypad();
      else log.warn("input.keypad.type is terminal but stdin is not a terminal; no keypad");
      break;
    case "hid":
      keypad = new HidKeypad(await getHid(), { match: { path: k.path, vendorId: k.vendorId, productId: k.productId }, keymap: new Keymap(k.keymap) }, log.child({ component: "keypad" }));
      break;
  }
  const rules = { maxLength: s.maxLength, allowedSymbologies: s.allowedSymbologies };
  let scanner: ScannerDevice | null = null;
  switch (s.type) {
    case "none":
      break;
    case "sim":
      scanner = new SimScanner(rules);
      break;
    case "serial":
      scanner = new SerialScanner({ path: s.path!, baudRate: s.baudRate, suffix: s.suffix, rules }, log.child({ component: "scanner" }));
      break;
    case "hid":
      scanner = new HidScanner(
        await getHid(),
        { match: { path: s.path, vendorId: s.vendorId, productId: s.productId }, protocol: s.hidProtocol, suffix: s.suffix, rules },
        log.child({ component: "scanner" }),
      );
      break;
  }
  return { keypad, scanner };
}
