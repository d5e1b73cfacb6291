/**
 * Keeping a HID device open: find it, open it, hand its reports on; when it vanishes (unplugged,
 * read error) log it, close it and look for it again with growing pauses until it is back.
 * The daemon never restarts for a replugged keypad or scanner.
 */
import { Backoff } from "../basics/backoff.js";
import type { Logger } from "../system/logger.js";
import { pickDevice, type HidAccess, type HidHandle, type HidMatch } from "./hid-access.js";

export interface HidConnectionOptions {
  match: HidMatch;
  /** First and longest pause between looks for a missing device. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface HidConnectionEvents {
  report(r: Buffer): void;
  connected(connected: boolean): void;
}

export class HidConnection {
  private handle: HidHandle | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  private stopped = false;
  private missingLogged = false;

  constructor(
    private readonly access: HidAccess,
    private readonly opts: HidConnectionOptions,
    private readonly events: HidConnectionEvents,
    private readonly log: Logger,
  ) {
    this.backoff = new Backoff({ minMs: opts.retryMinMs ?? 250, maxMs: opts.retryMaxMs ?? 5000 });
  }

  /** Try to open now; if the device is not there, keep looking in the background. */
  start(): void {
    this.stopped = false;
    this.attempt();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closeHandle();
  }

  isOpen(): boolean {
    return this.handle !== null;
  }

  private attempt(): void {
    this.timer = null;
    if (this.stopped) return;
    try {
      const info = pickDevice(this.access.devices(), this.opts.match);
      if (!info?.path) {
        if (!this.missingLogged) this.log.warn({ match: this.opts.match }, "HID device not found; still looking");
        this.missingLogged = true;
        return this.retry();
      }
      const handle = this.access.open(info.path);
      this.handle = handle;
      handle.onData((r) => {
        if (this.handle === handle) this.events.report(r);
      });
      handle.onError((err) => this.lost(handle, err));
      this.backoff.reset();
      this.missingLogged = false;
      this.log.info({ path: info.path, product: info.product }, "HID device open");
      this.events.connected(true);
    } catch (err) {
      this.log.warn({ err }, "HID device could not be opened; will retry");
      this.retry();
    }
  }

  private lost(handle: HidHandle, err: Error): void {
    if (this.handle !== handle) return;
    this.log.warn({ err: err.message }, "HID device went away; looking for it again");
    this.closeHandle();
    this.events.connected(false);
    this.retry();
  }

  private closeHandle(): void {
    const h = this.handle;
    this.handle = null;
    try {
      h?.close();
    } catch {
      // Closing a device that is already gone throws; it is gone either way.
    }
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    const wait = this.backoff.next();
    this.timer = setTimeout(() => this.attempt(), wait);
  }
}

/** What an input device makes of its reports: `reset` drops a half-read input at every (re)connect. */
export interface HidReportHandler {
  report(r: Buffer): void;
  reset(): void;
}

/** Starts a connection to one HID input device, its reports going to `handler`. */
export function startHidInput(
  access: HidAccess,
  opts: { match: Omit<HidMatch, "usagePage">; usagePage: number; retryMinMs?: number; retryMaxMs?: number },
  handler: HidReportHandler,
  listener: { connected?(connected: boolean): void },
  log: Logger,
): HidConnection {
  const conn = new HidConnection(
    access,
    { match: { ...opts.match, usagePage: opts.usagePage }, retryMinMs: opts.retryMinMs, retryMaxMs: opts.retryMaxMs },
    {
      report: (r) => handler.report(r),
      connected: (c) => {
        handler.reset();
        listener.connected?.(c);
      },
    },
    log,
  );
  conn.start();
  return conn;
}
