/**
 * Splitting a scanner's character stream into codes at the configured suffix (CR, LF, CR+LF,
 * TAB). A run longer than the limit without a suffix is garbage (a scanner stuck, line noise):
 * it is dropped up to the next suffix and reported, and memory stays bounded.
 */
export type Suffix = "CR" | "LF" | "CRLF" | "TAB";

export interface FramerSink {
  frame(raw: string): void;
  /** A code's first character was read; its end is still to come. */
  started?(): void;
  /** A run dropped for being longer than the limit (its length so far). */
  overlong(length: number): void;
}

export class ScanFramer {
  private buf = "";
  private discarding = false;
  private dropped = 0;

  /** limit: the longest frame kept (AIM prefix included). */
  constructor(
    private readonly suffix: Suffix,
    private readonly limit: number,
    private readonly sink: FramerSink,
  ) {}

  push(chunk: string): void {
    for (const c of chunk) this.pushChar(c);
  }

  reset(): void {
    this.buf = "";
    this.discarding = false;
    this.dropped = 0;
  }

  private pushChar(c: string): void {
    if (this.isTerminator(c)) {
      if (this.discarding) {
        this.sink.overlong(this.dropped);
        this.discarding = false;
        this.dropped = 0;
      } else if (this.buf.length > 0) {
        this.sink.frame(this.buf);
      }
      this.buf = "";
      return;
    }
    // With CRLF the CR is the end; a stray LF after it (or alone) is ignored, as is CR before LF.
    if ((this.suffix === "CRLF" && c === "\n") || (this.suffix === "LF" && c === "\r")) return;
    if (this.discarding) {
      this.dropped++;
      return;
    }
    this.buf += c;
    if (this.buf.length === 1) this.sink.started?.();
    if (this.buf.length > this.limit) {
      this.discarding = true;
      this.dropped = this.buf.length;
      this.buf = "";
    }
  }

  private isTerminator(c: string): boolean {
    switch (this.suffix) {
      case "CR":
      case "CRLF":
        return c === "\r";
      case "LF":
        return c === "\n";
      case "TAB":
        return c === "\t";
    }
  }
}
