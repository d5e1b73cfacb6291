/** A fake HidAccess: devices that can be plugged, unplugged and made to send reports. */
import type { HidAccess, HidDeviceInfo, HidHandle } from "../../src/input/hid-access.js";

export class FakeHidDevice {
  dataFn: ((r: Buffer) => void) | null = null;
  errorFn: ((e: Error) => void) | null = null;
  open = false;
  opens = 0;

  constructor(readonly info: HidDeviceInfo) {}

  send(...reports: (number[] | Buffer)[]): void {
    if (!this.open) throw new Error("fake HID device is not open");
    for (const r of reports) this.dataFn?.(Buffer.from(r));
  }
}

export class FakeHid implements HidAccess {
  readonly plugged = new Map<string, FakeHidDevice>();
  openFailures = 0;

  add(info: HidDeviceInfo & { path: string }): FakeHidDevice {
    const d = new FakeHidDevice(info);
    this.plugged.set(info.path, d);
    return d;
  }

  /** Pull the plug: the open handle's read fails, the device leaves the list. */
  unplug(d: FakeHidDevice): void {
    this.plugged.delete(d.info.path!);
    if (d.open) {
      d.open = false;
      d.errorFn?.(new Error("could not read from HID device"));
    }
  }

  plug(d: FakeHidDevice): void {
    this.plugged.set(d.info.path!, d);
  }

  devices(): HidDeviceInfo[] {
    return [...this.plugged.values()].map((d) => d.info);
  }

  open(path: string): HidHandle {
    const d = this.plugged.get(path);
    if (!d) throw new Error(`cannot open device with path ${path}`);
    if (this.openFailures > 0) {
      this.openFailures--;
      throw new Error("could not open device (busy)");
    }
    d.open = true;
    d.opens++;
    return {
      onData: (fn) => void (d.dataFn = fn),
      onError: (fn) => void (d.errorFn = fn),
      close: () => {
        d.open = false;
      },
    };
  }
}

/** A boot-keyboard report. */
export const report = (mods: number, ...keys: number[]) => [mods, 0, ...keys, ...Array(6 - keys.length).fill(0)] as number[];
