/**
 * The bank's input devices, each behind one small interface with real (HID, serial, terminal)
 * and simulated implementations. Devices deliver decoded intents only — a key, a scan — and
 * never decide what they mean; the kiosk does.
 */
import { KEYPAD_KEYS, type KeypadKey } from "../basics/keypad-keys.js";
export { KEYPAD_KEYS, type KeypadKey };

export interface Scan {
  /** The printable payload, AIM prefix removed. */
  text: string;
  /** AIM symbology id without the "]" (e.g. "Q1"), or null when the scanner sent none. */
  symbology: string | null;
}

export interface DeviceListener<T> {
  input(value: T): void;
  /**
   * The first bytes of a value arrived and the rest is on its way (a scanner: a code's first
   * characters, before its suffix): whoever acts on it can get ready (the bus held for a pickup).
   */
  arriving?(): void;
  /** The device came (back) or went away. */
  connected?(connected: boolean): void;
}

export interface InputDevice<T> {
  /** What kind, for logs: "hid", "terminal", "serial", "sim". */
  readonly kind: string;
  start(listener: DeviceListener<T>): Promise<void>;
  /** Release the device; safe to call twice. */
  stop(): Promise<void>;
}

export type KeypadDevice = InputDevice<KeypadKey>;
export type ScannerDevice = InputDevice<Scan>;
