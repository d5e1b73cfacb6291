/**
 * A bank wired straight to the Pi's GPIO through onoff: one relay output and one door input
 * per locker. Outputs are driven to their inactive level before anything else, the sensor
 * inputs are debounced here (an edge restarts a settle timer; the level is read when it has
 * held still for debounceMs), and every pulse is switched off by its own timer.
 *
 * A sysfs output keeps its level if the process dies, and a timer cannot fire while the event
 * loop is stalled: so a second pulse on a lock that is still energised is refused, every pulse
 * is capped at MAX_PULSE_MS, and the service manager runs `lockerd-outputs-off` after the
 * daemon stops for any reason.
 */
import type { GpioConfig } from "../../config/schema.js";
import { PulseInProgressError, type DoorPosition, type LockBank, type LockBankListener } from "../lock-bank.js";
import { checkGpioAccess, findGpioChip, GPIO_ACCESS_HINT, type GpioChip } from "./chip-base.js";
import { loadOnoff, type BinaryValue, type GpioClass, type GpioPin } from "./gpio-port.js";
import { gpioWiring, type GpioLockerWiring } from "./wiring.js";
import { ConfigError } from "../../config/errors.js";
import type { BankLayout } from "../../config/layout.js";

/** No coil is held longer than this, whatever a caller asks for. */
export const MAX_PULSE_MS = 5000;

export interface GpioBankOptions {
  layout: BankLayout;
  /** Names the layout file in wiring errors. */
  layoutSource: string;
  settings: GpioConfig;
  /** onoff's Gpio class, or a fake in tests. */
  loadGpio?: () => Promise<GpioClass>;
}

/** The relay levels for a polarity: what switches a lock coil on, and what leaves it off. */
export function relayLevels(activeLow: boolean): { on: BinaryValue; off: BinaryValue } {
  return activeLow ? { on: 0, off: 1 } : { on: 1, off: 0 };
}

/** Export a relay pin already at its off level ("high"/"low" set the level with the direction). */
export function openRelay(Gpio: GpioClass, sysfsNumber: number, off: BinaryValue): GpioPin {
  const pin = new Gpio(sysfsNumber, off === 1 ? "high" : "low");
  pin.writeSync(off);
  return pin;
}

interface Locker {
  wiring: GpioLockerWiring;
  relay: GpioPin;
  sensor: GpioPin;
  pulse: NodeJS.Timeout | null;
  settle: NodeJS.Timeout | null;
}

export class GpioLockBank implements LockBank {
  readonly kind = "gpio";
  private readonly lockers = new Map<string, Locker>();
  private readonly positions = new Map<string, DoorPosition>();
  private readonly offlineSet = new Set<string>();
  private readonly levels;
  private readonly openLevel: BinaryValue;
  private listener: LockBankListener | null = null;
  private chipInfo: GpioChip | null = null;
  private stopped = false;

  constructor(private readonly opts: GpioBankOptions) {
    this.levels = relayLevels(opts.settings.relayActiveLow);
    this.openLevel = opts.settings.doorOpenLevel === "high" ? 1 : 0;
    // Missing and doubled pins are caught when the bank is built, before anything starts.
    gpioWiring(opts.layout, opts.layoutSource);
  }

  /** The chip found at start (for diagnostics). */
  chip(): GpioChip | null {
    return this.chipInfo;
  }

  async start(listener: LockBankListener): Promise<void> {
    const { settings } = this.opts;
    const chip = findGpioChip(settings.sysfsRoot, settings.chipLabels);
    checkGpioAccess(settings.sysfsRoot);
    const wiring = gpioWiring(this.opts.layout, this.opts.layoutSource, chip.ngpio);
    const Gpio = await (this.opts.loadGpio ?? loadOnoff)();
    this.chipInfo = chip;

    // Relays first, each exported already at its off level; then the inputs.
    const problems: string[] = [];
    const relays = new Map<string, GpioPin>();
    for (const w of wiring) {
      try {
        relays.set(w.lockerId, openRelay(Gpio, chip.base + w.relay, this.levels.off));
      } catch (e) {
        problems.push(`locker ${w.lockerId}: relay pin ${w.relay} (sysfs ${chip.base + w.relay}): ${describe(e)}`);
      }
    }
    const sensors = new Map<string, GpioPin>();
    for (const w of wiring) {
      try {
        sensors.set(w.lockerId, new Gpio(chip.base + w.sensor, "in", "both"));
      } catch (e) {
        problems.push(`locker ${w.lockerId}: sensor pin ${w.sensor} (sysfs ${chip.base + w.sensor}): ${describe(e)}`);
      }
    }
    if (problems.length) {
      for (const p of [...relays.values(), ...sensors.values()]) release(p);
      throw new ConfigError(settings.sysfsRoot, [...problems, `hint: ${GPIO_ACCESS_HINT}`]);
    }

    this.listener = listener;
    for (const w of wiring) {
      const locker: Locker = { wiring: w, relay: relays.get(w.lockerId)!, sensor: sensors.get(w.lockerId)!, pulse: null, settle: null };
      this.lockers.set(w.lockerId, locker);
      this.positions.set(w.lockerId, this.read(locker) ?? "unknown");
      locker.sensor.watch((err) => (err ? this.markOffline(locker, err) : this.onEdge(locker)));
    }
  }

  async unlock(lockerId: string, pulseMs: number): Promise<void> {
    const locker = this.lockers.get(lockerId);
    if (!locker || this.stopped) throw new Error(`gpio: locker ${lockerId} is not wired or the bank is stopped`);
    if (locker.pulse) throw new PulseInProgressError(lockerId);
    const ms = Math.max(1, Math.min(pulseMs, MAX_PULSE_MS));
    // The off timer is armed before the coil is energised: no path leaves it on without one.
    locker.pulse = setTimeout(() => this.relayOff(locker), ms);
    try {
      locker.relay.writeSync(this.levels.on);
    } catch (e) {
      try {
        this.relayOff(locker);
      } catch {
        // The pin cannot be written at all; the first error says why.
      }
      throw e;
    }
  }

  doors(): ReadonlyMap<string, DoorPosition> {
    return this.positions;
  }

  offline(): ReadonlySet<string> {
    return this.offlineSet;
  }

  /** Whether a locker's relay is being pulsed now (tests, diagnostics). */
  isPulsing(lockerId: string): boolean {
    return this.lockers.get(lockerId)?.pulse != null;
  }

  /** Every relay to its off level; one pin that fails does not stop the others. */
  async allOff(): Promise<void> {
    const failed: string[] = [];
    for (const locker of this.lockers.values()) {
      try {
        this.relayOff(locker);
      } catch (e) {
        failed.push(`${locker.wiring.lockerId}: ${describe(e)}`);
      }
    }
    if (failed.length) throw new Error(`gpio: could not switch off ${failed.join("; ")}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.allOff();
    } finally {
      this.releaseAll();
    }
  }

  private releaseAll(): void {
    for (const locker of this.lockers.values()) {
      if (locker.settle) clearTimeout(locker.settle);
      locker.sensor.unwatchAll();
      release(locker.sensor);
      release(locker.relay);
    }
    this.lockers.clear();
    this.listener = null;
  }

  private relayOff(locker: Locker): void {
    if (locker.pulse) clearTimeout(locker.pulse);
    locker.pulse = null;
    locker.relay.writeSync(this.levels.off);
  }

  /** An edge restarts the settle timer; the level counts once it has held for debounceMs. */
  private onEdge(locker: Locker): void {
    if (this.stopped) return;
    if (locker.settle) clearTimeout(locker.settle);
    const settle = () => {
      locker.settle = null;
      const pos = this.read(locker);
      if (pos === null || this.stopped) return;
      if (this.positions.get(locker.wiring.lockerId) === pos) return;
      this.positions.set(locker.wiring.lockerId, pos);
      this.listener?.door(locker.wiring.lockerId, pos);
    };
    if (this.opts.settings.debounceMs === 0) settle();
    else locker.settle = setTimeout(settle, this.opts.settings.debounceMs);
  }

  /** Read a door input; a failed read marks the locker offline until a read succeeds again. */
  private read(locker: Locker): DoorPosition | null {
    let value: BinaryValue;
    try {
      value = locker.sensor.readSync();
    } catch (e) {
      this.markOffline(locker, e);
      return null;
    }
    const id = locker.wiring.lockerId;
    if (this.offlineSet.delete(id)) this.listener?.health([id], true, "door input readable again");
    return value === this.openLevel ? "open" : "closed";
  }

  private markOffline(locker: Locker, e: unknown): void {
    const id = locker.wiring.lockerId;
    if (this.offlineSet.has(id)) return;
    this.offlineSet.add(id);
    this.positions.set(id, "unknown");
    this.listener?.health([id], false, `door input unreadable: ${describe(e)}`);
  }
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code} ${err.message}` : String(err.message ?? e);
}

function release(pin: GpioPin): void {
  try {
    pin.unexport();
  } catch {
    // Already gone; nothing more to release.
  }
}
