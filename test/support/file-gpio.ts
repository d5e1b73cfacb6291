/**
 * sysfs GPIO simulated with files, so an output's level outlives the process that set it (the
 * hazard a killed daemon leaves behind). A fake of onoff's Gpio class (GpioClass) that keeps
 * each pin where the kernel shows it: `<root>/gpio<N>/direction` and `<root>/gpio<N>/value`,
 * `<root>` being a fake sysfs tree from fakeSysfs() (the chip-base lookup reads the same tree).
 *
 * Like the kernel: exporting writes N to `<root>/export`; direction "high"/"low" makes an output
 * at that level in one step, "out" an output at 0; writing an input fails (EPERM). Unexporting
 * writes N to `<root>/unexport` but keeps the pin's files: on the Pi a released line keeps its
 * level, and the files stand for that line here. An input nobody has set reads 0. watch() polls
 * the value file. Any number of processes may use the same tree, one after the other.
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { BinaryValue, GpioClass, GpioPin } from "../../src/drivers/gpio/gpio-port.js";

type Watcher = (err: Error | null | undefined, value: BinaryValue) => void;

const WATCH_POLL_MS = 10;

/** Where a pin's files are (the test reads them to see the level on the wire). */
export function pinDir(root: string, sysfsNumber: number): string {
  return join(root, `gpio${sysfsNumber}`);
}

/** A pin's level as the files hold it, or null when the pin was never exported. */
export function readLevel(root: string, sysfsNumber: number): BinaryValue | null {
  const file = join(pinDir(root, sysfsNumber), "value");
  if (!existsSync(file)) return null;
  return parseLevel(readFileSync(file, "utf8"), file);
}

/** The outside world sets an input (a door sensor) to a level. */
export function setInput(root: string, sysfsNumber: number, value: BinaryValue): void {
  writeLevel(join(pinDir(root, sysfsNumber), "value"), value);
}

function parseLevel(text: string, file: string): BinaryValue {
  const v = text.trim();
  if (v === "0" || v === "1") return Number(v) as BinaryValue;
  throw Object.assign(new Error(`EIO: ${file} holds ${JSON.stringify(text)}`), { code: "EIO" });
}

/** Rewrites "0\n"/"1\n" in place (same length, no truncation): a reader never sees an empty file. */
function writeLevel(file: string, value: BinaryValue): void {
  if (!existsSync(file)) {
    writeFileSync(file, `${value}\n`);
    return;
  }
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, `${value}\n`, 0);
  } finally {
    closeSync(fd);
  }
}

/** onoff's Gpio class, backed by the files under `root`. */
export function fileGpio(root: string): GpioClass {
  class FileGpioPin implements GpioPin {
    private readonly dir: string;
    private readonly valueFile: string;
    private readonly output: boolean;
    private poll: NodeJS.Timeout | null = null;
    private watchers: Watcher[] = [];

    constructor(
      private readonly n: number,
      direction: string,
    ) {
      this.dir = pinDir(root, n);
      this.valueFile = join(this.dir, "value");
      if (!existsSync(this.dir)) {
        appendFileSync(join(root, "export"), `${n}\n`);
        mkdirSync(this.dir);
      }
      this.output = direction !== "in";
      writeFileSync(join(this.dir, "direction"), `${this.output ? "out" : "in"}\n`);
      if (direction === "high") writeLevel(this.valueFile, 1);
      else if (direction === "low" || direction === "out") writeLevel(this.valueFile, 0);
      else if (!existsSync(this.valueFile)) writeLevel(this.valueFile, 0);
    }

    readSync(): BinaryValue {
      return parseLevel(readFileSync(this.valueFile, "utf8"), this.valueFile);
    }

    writeSync(value: BinaryValue): void {
      if (!this.output) throw Object.assign(new Error(`EPERM: operation not permitted, write '${this.valueFile}'`), { code: "EPERM" });
      writeLevel(this.valueFile, value);
    }

    watch(callback: Watcher): void {
      this.watchers.push(callback);
      if (this.poll) return;
      let last = this.readSync();
      this.poll = setInterval(() => {
        let now: BinaryValue;
        try {
          now = this.readSync();
        } catch (e) {
          for (const w of this.watchers) w(e as Error, last);
          return;
        }
        if (now === last) return;
        last = now;
        for (const w of this.watchers) w(null, now);
      }, WATCH_POLL_MS);
      this.poll.unref();
    }

    unwatchAll(): void {
      if (this.poll) clearInterval(this.poll);
      this.poll = null;
      this.watchers = [];
    }

    unexport(): void {
      this.unwatchAll();
      appendFileSync(join(root, "unexport"), `${this.n}\n`);
    }
  }
  return FileGpioPin as unknown as GpioClass;
}
