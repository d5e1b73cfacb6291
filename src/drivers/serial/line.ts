/**
 * The seam between the board protocols and the serial stack: a byte pipe that can be opened,
 * written and closed. Never flushed: serialport's flush() is tcflush(TCIOFLUSH), which also
 * throws away bytes written and not yet sent, and the read that confirms an unlock follows the
 * unlock within milliseconds (see SerialLink.prepare). SerialPortLine is the real one
 * (serialport 13); tests of the protocol logic may hand in their own.
 */
import type { SerialPort } from "serialport";
import { loadSerialPort } from "../../system/lazy-modules.js";

export interface SerialLine {
  readonly path: string;
  open(): Promise<void>;
  /**
   * Resolves once the bytes have been handed to the operating system and had time to leave;
   * `handed` is called as soon as the operating system has them (stage marks).
   */
  write(bytes: Uint8Array, handed?: () => void): Promise<void>;
  onData(fn: (chunk: Buffer) => void): void;
  /** Called when the line fails or closes unexpectedly (adapter unplugged). */
  onClose(fn: (err: Error | null) => void): void;
  close(): Promise<void>;
}

export interface SerialSettings {
  path: string;
  baudRate: number;
}

export class SerialPortLine implements SerialLine {
  private port: SerialPort | null = null;
  private dataFns: ((chunk: Buffer) => void)[] = [];
  private closeFns: ((err: Error | null) => void)[] = [];
  private closing = false;

  constructor(private readonly settings: SerialSettings) {}

  get path(): string {
    return this.settings.path;
  }

  async open(): Promise<void> {
    const SerialPortClass = await loadSerialPort();
    const port = new SerialPortClass({ path: this.settings.path, baudRate: this.settings.baudRate, dataBits: 8, parity: "none", stopBits: 1, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`cannot open serial port ${this.settings.path}: ${err.message}`)) : resolve())));
    port.on("data", (chunk: Buffer) => {
      for (const fn of this.dataFns) fn(chunk);
    });
    this.closing = false;
    port.on("close", (err: Error | null) => {
      // Ours to close, or a port this line has already given up on (reopened since).
      if (this.closing || this.port !== port) return;
      for (const fn of this.closeFns) fn(err ?? new Error(`serial port ${this.settings.path} closed`));
    });
    // Errors also arrive through write/flush callbacks; an 'error' event without a listener would crash the daemon.
    port.on("error", () => undefined);
    this.port = port;
  }

  async write(bytes: Uint8Array, handed?: () => void): Promise<void> {
    const port = this.requirePort();
    await settle(`write to ${this.path}`, (done) => port.write(Buffer.from(bytes), done));
    handed?.();
    // Not tcdrain(): it blocks a libuv worker until the far end reads (forever on a dead pty)
    // and USB adapters answer it early anyway. The frame's own transmit time is known.
    await sleep(Math.ceil((bytes.length * 10 * 1000) / this.settings.baudRate));
  }

  onData(fn: (chunk: Buffer) => void): void {
    this.dataFns.push(fn);
  }

  onClose(fn: (err: Error | null) => void): void {
    this.closeFns.push(fn);
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port?.isOpen) return;
    this.closing = true;
    await settle(`close of ${this.path}`, (done) => port.close(done)).catch(() => undefined);
  }

  private requirePort(): SerialPort {
    if (!this.port?.isOpen) throw new Error(`serial port ${this.settings.path} is not open`);
    return this.port;
  }
}

/** Silence between frames: 3.5 character times (10 bits each at 8N1), rounded up, plus 1 ms of timer slack. */
export function interFrameGapMs(baudRate: number): number {
  return Math.ceil((3.5 * 10 * 1000) / baudRate) + 1;
}

/** A serialport callback as a promise that cannot hang the daemon: it fails after 2 s. */
function settle(what: string, start: (done: (err?: Error | null) => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not complete within 2 s`)), 2000);
    start((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
