/** A USB HID keypad: boot-keyboard reports → keypad keys, through a HidConnection. */
import type { Logger } from "../system/logger.js";
import { markAt, nowMs, traceEnabled } from "../system/trace.js";
import { BootKeyboardDecoder } from "./boot-keyboard.js";
import type { DeviceListener, KeypadDevice, KeypadKey } from "./devices.js";
import type { HidAccess, HidMatch } from "./hid-access.js";
import { type HidConnection, startHidInput } from "./hid-connection.js";
import type { Keymap } from "./keymap.js";

export interface HidKeypadOptions {
  match: Omit<HidMatch, "usagePage">;
  keymap: Keymap;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export class HidKeypad implements KeypadDevice {
  readonly kind = "hid";
  private readonly decoder = new BootKeyboardDecoder();
  private conn: HidConnection | null = null;
  private badReports = 0;

  constructor(
    private readonly access: HidAccess,
    private readonly opts: HidKeypadOptions,
    private readonly log: Logger,
  ) {}

  async start(listener: DeviceListener<KeypadKey>): Promise<void> {
    const handler = {
      report: (r: Buffer) => {
        const read = traceEnabled() ? nowMs() : 0;
        const res = this.decoder.feed(r);
        if (!res.ok) {
          // Count, log the first few: a babbling device must not flood the journal.
          if (++this.badReports <= 5) this.log.warn({ reason: res.reason }, "keypad report ignored");
          return;
        }
        // (a release report read later must not move the key's own read time)
        if (res.presses.length) markAt("input.read", read);
        for (const p of res.presses) {
          const key = this.opts.keymap.resolve(p);
          if (key) listener.input(key);
          else this.log.debug({ usage: p.usage, shift: p.shift }, "keypad key not mapped");
        }
      },
      reset: () => this.decoder.reset(),
    };
    this.conn = startHidInput(this.access, { ...this.opts, usagePage: 0x01 }, handler, listener, this.log);
  }

  async stop(): Promise<void> {
    this.conn?.stop();
    this.conn = null;
  }
}
