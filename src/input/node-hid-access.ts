/**
 * HidAccess over node-hid 3.4. Loaded only when a HID keypad or scanner is configured: its
 * prebuilt binary needs libusb-1.0-0 at the first devices() call. With exclusive access the
 * libusb backend detaches the kernel's keyboard driver while the device is open, so keystrokes
 * do not reach the Pi's console (needs a udev rule giving the daemon's user the USB device).
 */
import type { HidAccess, HidHandle } from "./hid-access.js";

export async function nodeHidAccess(opts: { exclusive: boolean }): Promise<HidAccess> {
  const HID = (await import("node-hid")).default;
  if (opts.exclusive) HID.setDriverType("libusb");
  return {
    devices: () => HID.devices(),
    open(path: string): HidHandle {
      const dev = new HID.HID(path);
      return {
        onData: (fn) => void dev.on("data", (d: Buffer) => fn(d)),
        onError: (fn) => void dev.on("error", (e: unknown) => fn(e instanceof Error ? e : new Error(String(e)))),
        close: () => dev.close(),
      };
    },
  };
}
