/**
 * A serial scanner (RS-232, or USB CDC-ACM as /dev/ttyACM*): bytes → codes at the configured
 * suffix. A port that closes or errors (unplugged) is reopened with growing pauses.
 */
import { Backoff } from "../basics/backoff.js";
import type { SerialPort } from "serialport";
import { loadSerialPort } from "../system/lazy-modules.js";
import type { Logger } from "../system/logger.js";
import { mark } from "../system/trace.js";
import type { DeviceListener, Scan, ScannerDevice } from "./devices.js";
import type { ScanRules } from "./scan-filter.js";
import { ScanFramer, type Suffix } from "./scan-framer.js";
import { ScanPipeline } from "./scan-pipeline.js";

export interface SerialScannerOptions {
  path: string;
  baudRate: number;
  suffix: Suffix;
  rules: ScanRules;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export class SerialScanner implements ScannerDevice {
  readonly kind = "serial";
  private port: SerialPort | null = null;
  private SerialPortClass: typeof SerialPort | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private readonly backoff: Backoff;
  pipeline: ScanPipeline | null = null;

  constructor(
    private readonly opts: SerialScannerOptions,
    private readonly log: Logger,
  ) {
    this.backoff = new Backoff({ minMs: opts.retryMinMs ?? 250, maxMs: opts.retryMaxMs ?? 5000 });
  }

  async start(listener: DeviceListener<Scan>): Promise<void> {
    this.stopped = false;
    this.SerialPortClass ??= await loadSerialPort();
    const pipeline = new ScanPipeline(this.opts.rules, listener, this.log);
    this.pipeline = pipeline;
    const framer = new ScanFramer(this.opts.suffix, pipeline.frameLimit, pipeline);
    await this.open(framer, listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private open(framer: ScanFramer, listener: DeviceListener<Scan>): Promise<void> {
    const SerialPortClass = this.SerialPortClass;
    if (!SerialPortClass) throw new Error("serial scanner opened before start");
    return new Promise((resolve) => {
      const port = new SerialPortClass({ path: this.opts.path, baudRate: this.opts.baudRate, autoOpen: false });
      port.open((err) => {
        if (err) {
          this.log.warn({ path: this.opts.path, err: err.message }, "scanner port could not be opened; will retry");
          this.retry(framer, listener);
          return resolve();
        }
        if (this.stopped) {
          port.close();
          return resolve();
        }
        this.port = port;
        this.backoff.reset();
        framer.reset();
        // latin1 keeps every byte one character, so garbage stays countable and never throws.
        port.on("data", (d: Buffer) => {
          mark("input.read");
          framer.push(d.toString("latin1"));
        });
        const lost = (why: string) => {
          if (this.port !== port) return;
          this.port = null;
          this.log.warn({ path: this.opts.path, why }, "scanner port lost; reopening");
          listener.connected?.(false);
          this.retry(framer, listener);
        };
        port.on("error", (e: Error) => lost(e.message));
        port.on("close", () => lost("closed"));
        this.log.info({ path: this.opts.path, baudRate: this.opts.baudRate }, "scanner port open");
        listener.connected?.(true);
        resolve();
      });
    });
  }

  private retry(framer: ScanFramer, listener: DeviceListener<Scan>): void {
    if (this.stopped || this.timer) return;
    const wait = this.backoff.next();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.open(framer, listener);
    }, wait);
  }
}
