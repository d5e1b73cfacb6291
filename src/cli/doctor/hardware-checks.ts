/**
 * Doctor checks of the hardware: GPIO (sysfs and the chip base), serial ports and whether the
 * boards answer, keypad and scanner. Hardware keys come from the configuration as written, so
 * the checks follow the drivers' own settings without knowing every key name.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { devicePaths, fail, get, info, pass, warn, type CheckResult } from "./check.js";
import { writable } from "./system-checks.js";

const GPIO = "/sys/class/gpio";

export function checkGpio(driver: string, sysGpio = GPIO): CheckResult {
  const title = "GPIO accessible, chip base found";
  if (driver !== "gpio") return info("gpio", title, `skipped: driver ${driver} does not use GPIO`);
  if (!existsSync(sysGpio)) return fail("gpio", title, `${sysGpio} does not exist`, "the kernel lacks sysfs GPIO (CONFIG_GPIO_SYSFS) or /sys is not mounted");
  if (!writable(`${sysGpio}/export`)) return fail("gpio", title, `${sysGpio}/export is not writable by this user`, "add the daemon's user to the gpio group; do not set ProtectKernelTunables=yes in the unit");
  const chips = readdirSync(sysGpio)
    .filter((n) => n.startsWith("gpiochip"))
    .map((n) => {
      const read = (f: string) => {
        try {
          return readFileSync(`${sysGpio}/${n}/${f}`, "utf8").trim();
        } catch {
          return "";
        }
      };
      return { name: n, base: Number(read("base")), label: read("label"), ngpio: Number(read("ngpio")) };
    });
  if (!chips.length) return fail("gpio", title, "no gpiochip in /sys/class/gpio", "check the kernel's GPIO driver");
  // The SoC's own pin controller carries the header pins (labels differ by model).
  const soc = chips.find((c) => /pinctrl|bcm2835|bcm2711|bcm2712|rp1/i.test(c.label)) ?? chips[0]!;
  return pass("gpio", title, `${chips.length} chip(s); header pins on ${soc.name} "${soc.label}" base ${soc.base} (${soc.ngpio} lines)`);
}

export function checkSerial(driver: string, hardware: unknown): CheckResult {
  const title = "serial ports present";
  if (driver !== "cu16" && driver !== "8a80" && driver !== "modbus-relay" && driver !== "wkly") return info("serial", title, `skipped: driver ${driver} uses no serial port`);
  // The bus adapter is hardware.serial.path; the driver's own key (hardware.cu16, ...) holds
  // its settings, which may name no device at all (hardware["modbus-relay"] never does).
  const named = [...devicePaths(get(hardware, "serial"), "serial"), ...devicePaths(get(hardware, driver))];
  const ports = named.length ? named : devicePaths(hardware);
  if (!ports.length) return warn("serial", title, `no /dev/... path found under hardware.serial.path`, "set the board's serial port (prefer /dev/serial/by-id/...)");
  const missing = ports.filter((p) => !existsSync(p.path));
  if (missing.length) return fail("serial", title, `missing: ${missing.map((p) => `${p.path} (${p.key})`).join(", ")}`, "check the USB-RS485 adapter's cable; prefer /dev/serial/by-id/... names, which do not move");
  return pass("serial", title, ports.map((p) => p.path).join(", "));
}

/**
 * Offline lockers as the daemon's driver reports them now (GET /bank), whatever the driver: a
 * simulated bank whose board is unplugged fails like a real one (issue 24, item 9).
 */
export function checkBoards(driver: string, offline: string[] | null, daemonUp: boolean): CheckResult {
  const title = "boards answering";
  if (!daemonUp || offline === null) {
    if (driver === "sim") return info("boards", title, "simulated bank, daemon down: cannot tell whether its simulated board is plugged in");
    return warn("boards", title, "cannot tell: the daemon is down", "start lockerd; it reports boards that stop answering");
  }
  if (offline.length) {
    const ids = offline.length > 12 ? `${offline.slice(0, 12).join(", ")} … (${offline.length} lockers)` : offline.join(", ");
    const hint =
      driver === "sim"
        ? "the simulated board is unplugged: plug it back in on the bank page, or POST /sim/hardware {\"online\": true}"
        : "check the board's power, the RS-485 wiring (A/B, termination) and its address; `lockerctl watch` shows when it returns";
    return fail("boards", title, `no answer for lockers ${ids}`, hint);
  }
  return pass("boards", title, driver === "sim" ? "every locker of the simulated bank answers" : "every locker's lock hardware answers");
}

export function checkInput(input: unknown): CheckResult[] {
  if (input === undefined || input === null) return [info("input", "keypad and scanner present", "skipped: no input devices configured (config key input)")];
  const out: CheckResult[] = [];
  const entries = typeof input === "object" && !Array.isArray(input) ? Object.entries(input as Record<string, unknown>) : [["input", input] as const];
  for (const [name, dev] of entries) {
    const title = `${name} present`;
    if (dev === null || dev === false || (typeof dev === "object" && (dev as Record<string, unknown>).enabled === false)) {
      out.push(info(`input.${name}`, title, "disabled in the configuration"));
      continue;
    }
    const paths = devicePaths(dev);
    const vendorId = num(get(dev, "vendorId"));
    const productId = num(get(dev, "productId"));
    if (paths.length) {
      const missing = paths.filter((p) => !existsSync(p.path));
      out.push(missing.length ? fail(`input.${name}`, title, `missing: ${missing.map((p) => p.path).join(", ")}`, "check its USB cable; prefer /dev/serial/by-id/... or /dev/input/by-id/... names") : pass(`input.${name}`, title, paths.map((p) => p.path).join(", ")));
    } else if (vendorId !== null) {
      out.push(hidPresent(`input.${name}`, title, vendorId, productId));
    } else {
      out.push(info(`input.${name}`, title, "skipped: no device path or USB vendor/product id in its settings"));
    }
  }
  return out;
}

function num(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^(0x)?[0-9a-f]+$/i.test(v)) return parseInt(v, v.toLowerCase().startsWith("0x") || /[a-f]/i.test(v) ? 16 : 10);
  return null;
}

function hidPresent(id: string, title: string, vendorId: number, productId: number | null): CheckResult {
  const hex = (n: number) => n.toString(16).padStart(4, "0");
  const want = `${hex(vendorId)}:${productId === null ? "*" : hex(productId)}`;
  try {
    // node-hid is loaded only here: it needs libusb at runtime.
    const HID = createRequire(import.meta.url)("node-hid") as { devices(): { vendorId: number; productId: number; product?: string }[] };
    const found = HID.devices().find((d) => d.vendorId === vendorId && (productId === null || d.productId === productId));
    if (found) return pass(id, title, `USB HID ${want} (${found.product ?? "unnamed"})`);
    return fail(id, title, `no USB HID device ${want}`, "check the USB cable; `lsusb` lists what is attached");
  } catch (e) {
    return warn(id, title, `cannot list USB HID devices: ${(e as Error).message}`, "install libusb-1.0-0; give the daemon's user access with a udev rule");
  }
}
