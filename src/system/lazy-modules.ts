/**
 * Packages only some banks use, loaded the first time they are needed rather than at start:
 * a simulated or GPIO bank never loads serialport (and its native binding), a bank without
 * sync never loads pg. Each costs the daemon megabytes of resident memory when loaded.
 */
import type { SerialPort } from "serialport";
import type pg from "pg";

let serialPort: Promise<typeof SerialPort> | null = null;
let pgModule: Promise<typeof pg> | null = null;

/**
 * serialport's SerialPort; on Linux one whose reads and writes stay on the event loop
 * (serial-direct-io.ts). A caller's own `binding` option still wins.
 */
export function loadSerialPort(): Promise<typeof SerialPort> {
  return (serialPort ??= import("serialport").then(async (m) => {
    if (process.platform !== "linux") return m.SerialPort;
    const { DirectLinuxBinding } = await import("./serial-direct-io.js");
    class DirectSerialPort extends m.SerialPort {
      constructor(...[options, openCallback]: ConstructorParameters<typeof SerialPort>) {
        super({ binding: DirectLinuxBinding, ...options } as unknown as typeof options, openCallback);
      }
    }
    return DirectSerialPort as unknown as typeof SerialPort;
  }));
}

export function loadPg(): Promise<typeof pg> {
  return (pgModule ??= import("pg").then((m) => m.default));
}
