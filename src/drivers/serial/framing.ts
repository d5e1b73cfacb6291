/**
 * A framing parser for byte-oriented board protocols. Bytes arrive in any chunking; the parser
 * hands out whole frames that pass their checks and throws away everything else, one byte at
 * a time, so that garbage, a half frame or a frame with a bad checksum never hides the good
 * frame behind it (resynchronisation). Each protocol describes its frames with a FrameFormat.
 */

export interface FrameFormat {
  /** Whether a frame can begin with this byte. */
  isStart(byte: number): boolean;
  /**
   * The length of the frame that starts at buf[0], once enough bytes are there to tell:
   * a number, "more" when more bytes are needed, or "invalid" when buf cannot start a frame.
   */
  lengthOf(buf: Buffer): number | "more" | "invalid";
  /** Checks a complete candidate frame (trailer, checksum). */
  check(frame: Buffer): "ok" | "bad-checksum" | "malformed";
}

export type Discard = { reason: "garbage" | "bad-checksum" | "malformed"; bytes: Buffer };

export interface ParseResult {
  frames: Buffer[];
  discarded: Discard[];
}

/** Longest partial frame kept while waiting for its end; anything longer is not a frame. */
const MAX_PENDING = 256;

export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly format: FrameFormat) {}

  /** Feed bytes; returns the complete frames and what was thrown away. */
  push(chunk: Uint8Array): ParseResult {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const frames: Buffer[] = [];
    const discarded: Discard[] = [];
    let garbageFrom = -1;
    let i = 0;
    const flushGarbage = (to: number) => {
      if (garbageFrom >= 0) discarded.push({ reason: "garbage", bytes: Buffer.from(this.buf.subarray(garbageFrom, to)) });
      garbageFrom = -1;
    };
    while (i < this.buf.length) {
      const rest = this.buf.subarray(i);
      if (!this.format.isStart(rest[0]!)) {
        if (garbageFrom < 0) garbageFrom = i;
        i++;
        continue;
      }
      const len = this.format.lengthOf(rest);
      if (len === "more") {
        if (rest.length < MAX_PENDING) break;
        if (garbageFrom < 0) garbageFrom = i;
        i++;
        continue;
      }
      if (len === "invalid") {
        if (garbageFrom < 0) garbageFrom = i;
        i++;
        continue;
      }
      if (rest.length < len) break;
      const candidate = rest.subarray(0, len);
      const verdict = this.format.check(candidate);
      if (verdict === "ok") {
        flushGarbage(i);
        frames.push(Buffer.from(candidate));
        i += len;
      } else {
        // Skip only up to the next start byte: the real frame may begin inside this candidate.
        flushGarbage(i);
        discarded.push({ reason: verdict, bytes: Buffer.from(candidate) });
        let next = 1;
        while (next < len && !this.format.isStart(candidate[next]!)) next++;
        i += next;
      }
    }
    flushGarbage(i);
    this.buf = Buffer.from(this.buf.subarray(i));
    return { frames, discarded };
  }

  /** Bytes held while waiting for the rest of a frame. */
  pending(): number {
    return this.buf.length;
  }

  /** Forget a half-received frame (before each new command: stale input must not match). */
  reset(): void {
    this.buf = Buffer.alloc(0);
  }
}
