/**
 * Starting the bank's kiosk: settings from the configuration, the kiosk itself, then the input
 * devices feeding it. Stopping goes the other way: devices, kiosk, indicator off.
 */
import type { BankContext } from "../bank/context.js";
import { ConfigError } from "../config/errors.js";
import type { ResolvedConfig } from "../config/load.js";
import type { KeypadDevice, ScannerDevice } from "../input/devices.js";
import type { Indicator } from "../output/indicator.js";
import type { Logger } from "../system/logger.js";
import { CourierDirectory } from "./couriers.js";
import { Kiosk, type KioskSettings } from "./kiosk.js";

export interface KioskParts {
  ctx: BankContext;
  keypad: KeypadDevice | null;
  scanner: ScannerDevice | null;
  indicator: Indicator;
}

export interface RunningKiosk {
  kiosk: Kiosk;
  /** The devices in use (the bank page pushes keys into simulated ones). */
  devices: Pick<KioskParts, "keypad" | "scanner" | "indicator">;
  stop(): Promise<void>;
}

export function kioskSettings(cfg: ResolvedConfig): KioskSettings {
  const sizes = cfg.bank.sizes;
  const sizeKeys = cfg.kiosk.sizeKeys ?? Object.fromEntries(sizes.slice(0, 9).map((s, i) => [String(i + 1), s]));
  const problems: string[] = [];
  for (const [k, s] of Object.entries(sizeKeys)) {
    if (!sizes.includes(s)) problems.push(`kiosk.sizeKeys.${k}: ${JSON.stringify(s)} is not one of the bank's sizes ${sizes.join(", ")}`);
  }
  const keys = cfg.kiosk.courierKeys;
  for (const [name, k] of Object.entries(keys)) {
    if (k in sizeKeys) problems.push(`kiosk.courierKeys.${name}: key ${k} is also a size key`);
  }
  if (new Set(Object.values(keys)).size !== Object.values(keys).length) problems.push("kiosk.courierKeys: each action needs its own key");
  if (problems.length) throw new ConfigError(cfg.paths.config ?? "configuration", problems);
  return {
    keypadName: cfg.input.keypad.name,
    scannerName: "main",
    customerIdleMs: cfg.kiosk.customerIdleMs,
    courierIdleMs: cfg.kiosk.courierIdleMs,
    doesntFitWindowMs: cfg.kiosk.doesntFitWindowMs,
    sizeKeys,
    courierKeys: keys,
    pinDigits: cfg.kiosk.pinDigits,
  };
}

export async function startKiosk(cfg: ResolvedConfig, parts: KioskParts, log: Logger): Promise<RunningKiosk> {
  const klog = log.child({ component: "kiosk" });
  const kiosk = new Kiosk({
    ctx: parts.ctx,
    couriers: new CourierDirectory(cfg.couriers, () => parts.ctx.store.couriers.all()),
    indicator: parts.indicator,
    log: klog,
    settings: kioskSettings(cfg),
  });
  kiosk.start();
  const started: (KeypadDevice | ScannerDevice)[] = [];
  try {
    if (parts.keypad) {
      await parts.keypad.start({ input: (k) => kiosk.key(k), connected: (c) => kiosk.keypadConnected(c) });
      started.push(parts.keypad);
      klog.info({ kind: parts.keypad.kind }, "keypad started");
    }
    if (parts.scanner) {
      await parts.scanner.start({ input: (s) => kiosk.scan(s), arriving: () => kiosk.scanArriving() });
      started.push(parts.scanner);
      klog.info({ kind: parts.scanner.kind }, "scanner started");
    }
  } catch (e) {
    for (const d of started.reverse()) await d.stop();
    await kiosk.stop();
    throw e;
  }
  return {
    kiosk,
    devices: { keypad: parts.keypad, scanner: parts.scanner, indicator: parts.indicator },
    async stop() {
      for (const d of started.reverse()) {
        try {
          await d.stop();
        } catch (err) {
          klog.warn({ err, kind: d.kind }, "input device did not stop cleanly");
        }
      }
      await kiosk.stop();
      await parts.indicator.stop();
    },
  };
}
