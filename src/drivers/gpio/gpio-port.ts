/**
 * The part of onoff's `Gpio` class the GPIO driver uses, so tests can hand in a fake (onoff
 * needs real sysfs GPIO). onoff is loaded lazily: a bank that is not wired to GPIO never loads
 * its native module, and it must never be loaded in a worker thread.
 */
import type { BinaryValue, Direction, Edge, Options } from "onoff";

export type { BinaryValue };

export interface GpioPin {
  readSync(): BinaryValue;
  writeSync(value: BinaryValue): void;
  watch(callback: (err: Error | null | undefined, value: BinaryValue) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

export interface GpioClass {
  new (gpio: number, direction: Direction, edge?: Edge, options?: Options): GpioPin;
}

export async function loadOnoff(): Promise<GpioClass> {
  const { Gpio } = await import("onoff");
  return Gpio;
}
