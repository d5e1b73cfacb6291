/**
 * The keypad as close to its device as a machine without /dev/uhid allows. On a bank the
 * keypad is a USB HID boot keyboard read from /dev/hidrawN, one 8-byte report per read, as an
 * I/O event in the daemon's loop. This VM's kernel has no uhid module, so no process can make a
 * hidraw device; instead the outside process writes the same 8-byte reports into a FIFO, which
 * the daemon reads the same way (non-blocking, through the event loop's epoll) and hands to the
 * real HidKeypad decoder through the HidAccess seam. Only node-hid's own read thread is missing.
 */
import { openSync } from "node:fs";
import { Socket } from "node:net";
import type { HidAccess, HidHandle } from "../../src/input/hid-access.js";

const REPORT = 8;

export function fifoHidAccess(fifoPath: string): HidAccess {
  return {
    devices: () => [{ path: fifoPath, vendorId: 0x1209, productId: 0x0001, usagePage: 0x01, usage: 0x06, product: "bench keypad (FIFO)" }],
    open(path: string): HidHandle {
      // Read-write, so the FIFO never reads end-of-file while no writer has it open.
      const sock = new Socket({ fd: openSync(path, "r+"), readable: true, writable: false });
      let pending: Buffer = Buffer.alloc(0);
      const listeners: ((r: Buffer) => void)[] = [];
      sock.on("data", (d: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, d]) : d;
        while (pending.length >= REPORT) {
          const r = pending.subarray(0, REPORT);
          pending = pending.subarray(REPORT);
          for (const l of listeners) l(r);
        }
      });
      return {
        onData: (fn) => void listeners.push(fn),
        onError: (fn) => void sock.on("error", fn),
        close: () => sock.destroy(),
      };
    },
  };
}
