/**
 * The seam between lockerd and node-hid: the little of it the keypad and scanner use. The real
 * implementation is node-hid-access.ts; tests hand in a fake that can also be unplugged.
 */
export interface HidDeviceInfo {
  path?: string | undefined;
  vendorId: number;
  productId: number;
  usagePage?: number | undefined;
  usage?: number | undefined;
  interface?: number | undefined;
  product?: string | undefined;
}

export interface HidHandle {
  /** Input reports as they arrive. */
  onData(fn: (report: Buffer) => void): void;
  /** A read failed (the device was unplugged, ...): the handle is dead afterwards. */
  onError(fn: (err: Error) => void): void;
  close(): void;
}

export interface HidAccess {
  devices(): HidDeviceInfo[];
  open(path: string): HidHandle;
}

export interface HidMatch {
  path?: string | undefined;
  vendorId?: number | undefined;
  productId?: number | undefined;
  /** Preferred usage page among a device's interfaces (0x01 keyboard, 0x8C POS scanner). */
  usagePage: number;
}

/** The interface to open: by path, else by vendor/product id preferring the usage page. */
export function pickDevice(devices: readonly HidDeviceInfo[], m: HidMatch): HidDeviceInfo | undefined {
  if (m.path) return devices.find((d) => d.path === m.path);
  const same = devices.filter((d) => d.path && d.vendorId === m.vendorId && d.productId === m.productId);
  // Never fall back to an interface of another kind (a keypad's consumer-control interface).
  return same.find((d) => d.usagePage === m.usagePage) ?? same.find((d) => d.usagePage === undefined || d.usagePage === 0);
}
