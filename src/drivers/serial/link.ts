/**
 * A board bus, put together: the serial line, the protocol's framing parser, the line queue
 * and the reply matcher. Before every command a half-received frame is forgotten (a late or
 * noisy answer must not be read as the answer to this one); a question without an answer is asked
 * again up to `retries` times, then fails with ReplyTimeoutError.
 */
import { FrameParser, type Discard, type FrameFormat } from "./framing.js";
import { LineQueue, type LinePriority } from "./line-queue.js";
import type { SerialLine } from "./line.js";
import { ReplyMatcher } from "./matcher.js";
import { markLocker, nowMs, span, traceEnabled } from "../../system/trace.js";

export interface LinkOptions {
  gapMs: number;
  responseTimeoutMs: number;
  retries: number;
  /** Diagnostics: frames thrown away and answers nobody asked for. */
  onDiscard?: (d: Discard | { reason: "unsolicited"; bytes: Buffer }) => void;
}

export interface LinkStats {
  frames: number;
  garbage: number;
  badChecksum: number;
  malformed: number;
  unsolicited: number;
  timeouts: number;
}

/** What a board protocol needs of the bus: send, and ask. */
export interface BusLink {
  /** Send a frame that the board does not answer. */
  send(frame: Uint8Array): Promise<void>;
  /** Ask and wait for the frame that `accept` recognises as the answer. */
  request<T>(frame: Uint8Array, accept: (reply: Buffer) => T | undefined, what: string, retries?: number): Promise<T>;
}

interface ExchangeOptions {
  priority: LinePriority;
  /** Tracing: the locker whose unlock this exchange carries. */
  traced: string | null;
}

const ROUTINE: ExchangeOptions = { priority: "routine", traced: null };

export class SerialLink implements BusLink {
  private readonly parser: FrameParser;
  private readonly queue: LineQueue;
  private readonly matcher = new ReplyMatcher();
  private closed = false;
  readonly stats: LinkStats = { frames: 0, garbage: 0, badChecksum: 0, malformed: 0, unsolicited: 0, timeouts: 0 };

  constructor(
    readonly line: SerialLine,
    format: FrameFormat,
    private readonly opts: LinkOptions,
  ) {
    this.parser = new FrameParser(format);
    this.queue = new LineQueue(opts.gapMs);
    line.onData((chunk) => this.onData(chunk));
  }

  open(): Promise<void> {
    return this.line.open();
  }

  /**
   * The bus for one unlock: its exchanges go ahead of waiting routine ones, a pickup's ahead of
   * other unlocks too (see LineQueue); the first is marked as the locker's unlock when tracing.
   */
  forUnlock(lockerId: string, priority: Exclude<LinePriority, "routine"> = "unlock"): BusLink {
    let traced: string | null = traceEnabled() ? lockerId : null;
    const take = (): ExchangeOptions => {
      const o: ExchangeOptions = { priority, traced };
      traced = null;
      return o;
    };
    return {
      send: (frame) => this.send(frame, take()),
      request: (frame, accept, what, retries) => this.request(frame, accept, what, retries, take()),
    };
  }

  /** A customer's unlock is imminent: only pickups start for up to ms (see LineQueue). */
  holdForPickup(ms: number): void {
    this.queue.holdForPickup(ms);
  }

  /** The imminent unlock is not coming: every exchange may start again. */
  releaseHold(): void {
    this.queue.release();
  }

  /** Send a frame that the board does not answer. */
  send(frame: Uint8Array, opts: ExchangeOptions = ROUTINE): Promise<void> {
    const traced = opts.traced;
    return this.queue.run(async () => {
      const start = this.granted(traced);
      try {
        this.assertOpen();
        this.prepare();
        await this.line.write(frame, traced ? () => markLocker("bus.handed", traced) : undefined);
      } finally {
        span("bus", start, frameTag(frame));
      }
    }, opts.priority);
  }

  /** Ask and wait for the frame that `accept` recognises as the answer. */
  async request<T>(frame: Uint8Array, accept: (reply: Buffer) => T | undefined, what: string, retries = this.opts.retries, opts: ExchangeOptions = ROUTINE): Promise<T> {
    let lastError: Error | null = null;
    const traced = opts.traced;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        return await this.queue.run(async () => {
          const start = this.granted(attempt === 0 ? traced : null);
          try {
            this.assertOpen();
            this.prepare();
            const answer = this.matcher.expect(accept, this.opts.responseTimeoutMs, what);
            // The wait can end (timeout, line closing) while the write is still going: mark it handled now.
            answer.catch(() => undefined);
            try {
              await this.line.write(frame, traced && attempt === 0 ? () => markLocker("bus.handed", traced) : undefined);
            } catch (e) {
              this.matcher.cancel(e as Error);
              throw e;
            }
            return await answer;
          } finally {
            span("bus", start, frameTag(frame));
          }
        }, opts.priority);
      } catch (e) {
        if (!(e instanceof Error) || (e as { code?: string }).code !== "REPLY_TIMEOUT") throw e;
        this.stats.timeouts++;
        lastError = e;
      }
    }
    throw lastError!;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.matcher.cancel(new Error(`serial line ${this.line.path} closed`));
    await this.line.close();
  }

  /**
   * Before a command: forget any half frame, so stale input cannot complete into an answer.
   * Nothing is flushed at the device: tcflush(TCIOFLUSH), serialport's only flush, also drops the
   * frame written just before (the unlock the status read confirms) when it has not left yet,
   * which happened under load (the door never unlocked, the pickup timed out). Stale whole
   * frames arriving later are still refused by the matcher (wrong board) or are this board's own
   * state; the line queue's gap counts from the last byte received.
   */
  private prepare(): void {
    this.parser.reset();
  }

  /** The line is this exchange's now (tracing: its start, and the stage of a traced unlock). */
  private granted(traced: string | null): number {
    if (!traceEnabled()) return 0;
    if (traced) markLocker("bus.granted", traced);
    return nowMs();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`serial line ${this.line.path} is closed`);
  }

  private onData(chunk: Buffer): void {
    this.queue.noteActivity();
    const { frames, discarded } = this.parser.push(chunk);
    for (const d of discarded) {
      if (d.reason === "garbage") this.stats.garbage += d.bytes.length;
      else if (d.reason === "bad-checksum") this.stats.badChecksum++;
      else this.stats.malformed++;
      this.opts.onDiscard?.(d);
    }
    for (const f of frames) {
      this.stats.frames++;
      if (!this.matcher.offer(f)) {
        this.stats.unsolicited++;
        this.opts.onDiscard?.({ reason: "unsolicited", bytes: f });
      }
    }
  }
}

/** A frame's first four bytes as one number, naming the exchange in a trace span. */
function frameTag(frame: Uint8Array): number {
  if (!traceEnabled()) return 0;
  let n = 0;
  for (let i = 0; i < 4; i++) n = n * 256 + (frame[i] ?? 0);
  return n;
}
