/**
 * Progress of long operations on stderr: one line redrawn in place on a terminal, a line per
 * step otherwise (logs, CI, pipes). Never on stdout, so --json output stays clean.
 */
export class Progress {
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream | NodeJS.WritableStream,
    readonly tty: boolean,
    private readonly label: string,
  ) {}

  update(text: string): void {
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${this.label}: ${text}`);
      this.drawn = true;
    } else {
      this.stream.write(`${this.label}: ${text}\n`);
    }
  }

  /** End the in-place line (a terminal) so later output starts on a fresh line. */
  done(text?: string): void {
    if (text !== undefined) this.update(text);
    if (this.tty && this.drawn) this.stream.write("\n");
    this.drawn = false;
  }
}

export function bar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}] ${Math.round(f * 100)}%`;
}
