/**
 * A USB HID scanner: keyboard-wedge boot reports typed as US-layout characters and split at the
 * suffix (Enter or Tab), or HID POS reports (usage page 0x8C) carrying the code directly.
 */
import type { Logger } from "../system/logger.js";
import { BootKeyboardDecoder } from "./boot-keyboard.js";
import type { DeviceListener, Scan, ScannerDevice } from "./devices.js";
import type { HidAccess, HidMatch } from "./hid-access.js";
import { type HidConnection, startHidInput } from "./hid-connection.js";
import { HidPosDecoder, POS_REPORT_ID } from "./hid-pos.js";
import type { ScanRules } from "./scan-filter.js";
import { ScanFramer, type Suffix } from "./scan-framer.js";
import { ScanPipeline } from "./scan-pipeline.js";
import { wedgeChar } from "./wedge-chars.js";

export interface HidScannerOptions {
  match: Omit<HidMatch, "usagePage">;
  protocol: "keyboard" | "pos";
  /** Keyboard-wedge only: what ends a code (Enter is CR, Tab is TAB). */
  suffix: Suffix;
  rules: ScanRules;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export class HidScanner implements ScannerDevice {
  readonly kind = "hid";
  private conn: HidConnection | null = null;
  pipeline: ScanPipeline | null = null;

  constructor(
    private readonly access: HidAccess,
    private readonly opts: HidScannerOptions,
    private readonly log: Logger,
  ) {}

  async start(listener: DeviceListener<Scan>): Promise<void> {
    const pipeline = new ScanPipeline(this.opts.rules, listener, this.log);
    this.pipeline = pipeline;
    const handler = this.opts.protocol === "pos" ? this.posReports(pipeline) : this.wedgeReports(pipeline);
    const usagePage = this.opts.protocol === "pos" ? 0x8c : 0x01;
    this.conn = startHidInput(this.access, { ...this.opts, usagePage }, handler, listener, this.log);
  }

  async stop(): Promise<void> {
    this.conn?.stop();
    this.conn = null;
  }

  private wedgeReports(pipeline: ScanPipeline) {
    const decoder = new BootKeyboardDecoder();
    // Enter is "\r" from wedgeChar, so CR/CRLF/LF configurations all end on Enter.
    const framer = new ScanFramer(this.opts.suffix === "TAB" ? "TAB" : "CR", pipeline.frameLimit, pipeline);
    return {
      report: (r: Buffer) => {
        const res = decoder.feed(r);
        // A malformed report may have eaten a character: poison the code being typed.
        if (!res.ok) return framer.push("\x00");
        for (const p of res.presses) {
          const c = wedgeChar(p);
          // A key with no character (F-keys, arrows) cannot be part of a code: poison the frame.
          framer.push(c ?? "\x00");
        }
      },
      reset: () => {
        decoder.reset();
        framer.reset();
      },
    };
  }

  private posReports(pipeline: ScanPipeline) {
    const decoder = new HidPosDecoder(pipeline.frameLimit);
    return {
      report: (r: Buffer) => {
        // a scan's first report (a code's first part, or the whole of a short one)
        if (decoder.between && r[0] === POS_REPORT_ID) pipeline.started();
        const res = decoder.feed(r);
        if (res.done) pipeline.frame(res.raw);
        else if (res.reason) this.log.debug({ reason: res.reason }, "scanner report ignored");
      },
      reset: () => decoder.reset(),
    };
  }
}
