/**
 * Simulated keypad and scanner: keys and scans pushed programmatically (tests, the bank page).
 * Scans go through the same filter as a real scanner's.
 */
import type { DeviceListener, KeypadDevice, KeypadKey, Scan, ScannerDevice } from "./devices.js";
import { acceptScan, type ScanRules } from "./scan-filter.js";

export class SimKeypad implements KeypadDevice {
  readonly kind = "sim";
  private listener: DeviceListener<KeypadKey> | null = null;

  async start(listener: DeviceListener<KeypadKey>): Promise<void> {
    this.listener = listener;
    listener.connected?.(true);
  }

  /** Press keys: a string of digits, * and #, or key names. */
  press(keys: string | readonly KeypadKey[]): void {
    const list = typeof keys === "string" ? ([...keys] as KeypadKey[]) : keys;
    for (const k of list) this.listener?.input(k);
  }

  async stop(): Promise<void> {
    this.listener = null;
  }
}

export class SimScanner implements ScannerDevice {
  readonly kind = "sim";
  private listener: DeviceListener<Scan> | null = null;

  constructor(private readonly rules: ScanRules = { maxLength: 512, allowedSymbologies: [] }) {}

  async start(listener: DeviceListener<Scan>): Promise<void> {
    this.listener = listener;
    listener.connected?.(true);
  }

  /** Scan a code (an AIM prefix such as "]Q1" may lead); false when the filter dropped it. */
  scan(raw: string): boolean {
    // as a real scanner's first bytes would, ahead of the whole code
    this.listener?.arriving?.();
    const r = acceptScan(raw, this.rules);
    if (r.ok) this.listener?.input(r.scan);
    return r.ok;
  }

  async stop(): Promise<void> {
    this.listener = null;
  }
}
