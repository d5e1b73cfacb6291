/**
 * A fake of onoff's Gpio class (onoff needs real sysfs GPIO, which this machine does not have)
 * and a fake sysfs GPIO tree in a temp dir for the chip-base lookup.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BinaryValue, GpioClass, GpioPin } from "../../src/drivers/gpio/gpio-port.js";

type Cb = (err: Error | null | undefined, value: BinaryValue) => void;

export class FakePin implements GpioPin {
  /** Every value written, in order (outputs). */
  readonly writes: BinaryValue[] = [];
  level: BinaryValue;
  exported = true;
  failReads = false;
  private watchers: Cb[] = [];

  constructor(
    readonly sysfs: number,
    readonly direction: string,
    readonly edge: string | undefined,
  ) {
    this.level = direction === "high" ? 1 : 0;
  }

  readSync(): BinaryValue {
    if (this.failReads) throw Object.assign(new Error("read failed"), { code: "EIO" });
    return this.level;
  }

  writeSync(value: BinaryValue): void {
    if (this.direction === "in") throw new Error("cannot write an input");
    this.level = value;
    this.writes.push(value);
  }

  watch(cb: Cb): void {
    this.watchers.push(cb);
  }

  unwatchAll(): void {
    this.watchers = [];
  }

  unexport(): void {
    this.exported = false;
  }

  /** The outside world moves an input: set the level and fire the edge interrupt. */
  set(value: BinaryValue): void {
    this.level = value;
    for (const w of this.watchers) w(null, value);
  }

  watcherCount(): number {
    return this.watchers.length;
  }
}

export interface FakeGpio {
  Gpio: GpioClass;
  /** Every pin ever constructed, by sysfs number (the latest one). */
  pins: Map<number, FakePin>;
  /** Event log of constructions and writes across pins, for ordering checks. */
  log: string[];
  /** sysfs numbers whose export fails (EACCES). */
  refuse: Set<number>;
}

/** `inputs` gives inputs' levels as the outside world holds them when they are exported. */
export function fakeGpio(inputs: Record<number, BinaryValue> = {}): FakeGpio {
  const pins = new Map<number, FakePin>();
  const log: string[] = [];
  const refuse = new Set<number>();
  class Gpio extends FakePin {
    constructor(n: number, direction: string, edge?: string) {
      if (refuse.has(n)) throw Object.assign(new Error(`EACCES: permission denied, open '/sys/class/gpio/export'`), { code: "EACCES" });
      super(n, direction, edge);
      if (direction === "in") this.level = inputs[n] ?? 0;
      pins.set(n, this);
      log.push(`open ${n} ${direction}`);
    }
    override writeSync(value: BinaryValue): void {
      super.writeSync(value);
      log.push(`write ${this.sysfs} ${value}`);
    }
  }
  return { Gpio: Gpio as unknown as GpioClass, pins, log, refuse };
}

/** A sysfs GPIO directory with the given chips; remove() deletes it. */
export function fakeSysfs(chips: { name: string; label: string; base: number; ngpio: number }[], opts: { exportFile?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), "lockerd-sysfs-"));
  if (opts.exportFile !== false) writeFileSync(join(root, "export"), "");
  writeFileSync(join(root, "unexport"), "");
  for (const c of chips) {
    mkdirSync(join(root, c.name));
    writeFileSync(join(root, c.name, "base"), `${c.base}\n`);
    writeFileSync(join(root, c.name, "label"), `${c.label}\n`);
    writeFileSync(join(root, c.name, "ngpio"), `${c.ngpio}\n`);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
