/**
 * Packages only some banks use, loaded the first time they are needed rather than at start:
 * a simulated or GPIO bank never loads serialport (and its native binding), a bank without
 * sync never loads pg. Each costs the daemon megabytes of resident memory when loaded.
 */
import type { SerialPort } from "serialport";
import type pg from "pg";

let serialPort: Promise<typeof SerialPort> | null = null;
let pgModule: Promise<typeof pg> | null = null;

export function loadSerialPort(): Promise<typeof SerialPort> {
  return (serialPort ??= import("serialport").then((m) => m.SerialPort));
}

export function loadPg(): Promise<typeof pg> {
  return (pgModule ??= import("pg").then((m) => m.default));
}
