/**
 * The conversation of `lockerctl calibrate` with the technician: questions on stderr, answers
 * one line each from stdin (a terminal, or a script piping them in), and Ctrl-C / SIGTERM at
 * any moment. An interruption rejects whatever is being waited for with Interrupted, so the
 * command reaches its one clean-up path (outputs off) from every step.
 */
import { createInterface, type Interface } from "node:readline";

export class Interrupted extends Error {
  constructor(readonly signal: string) {
    super(`interrupted (${signal})`);
    this.name = "Interrupted";
  }
}

/** stdin ended before the question was answered (a script gave too few answers). */
export class NoAnswer extends Error {
  constructor(question: string) {
    super(`no answer to "${question.trim()}": stdin ended (a script must give one line per question)`);
    this.name = "NoAnswer";
  }
}

export class Session {
  private readonly rl: Interface;
  private readonly lines: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private ended = false;
  private readonly ac = new AbortController();
  private readonly onSignal = (sig: NodeJS.Signals) => this.interrupt(sig);

  constructor(
    private readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean },
    private readonly stderr: NodeJS.WritableStream,
  ) {
    // terminal: false: a terminal's Ctrl-C stays a real SIGINT, handled below like SIGTERM.
    this.rl = createInterface({ input: stdin, terminal: false });
    this.rl.on("line", (line) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(line);
      } else this.lines.push(line);
    });
    this.rl.on("close", () => {
      this.ended = true;
      this.waiter?.(null);
      this.waiter = null;
    });
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  /** The signal that interrupted, or null. */
  get interruptedBy(): string | null {
    return this.ac.signal.aborted ? (this.ac.signal.reason as Interrupted).signal : null;
  }

  interrupt(sig: string): void {
    if (!this.ac.signal.aborted) this.ac.abort(new Interrupted(sig));
  }

  /** Throws Interrupted once interrupted. */
  check(): void {
    if (this.ac.signal.aborted) throw this.ac.signal.reason as Interrupted;
  }

  say(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** Ask and wait for one line (trimmed). */
  async ask(question: string): Promise<string> {
    this.check();
    this.stderr.write(`${question} `);
    const queued = this.lines.shift();
    if (queued !== undefined) {
      this.stderr.write("\n");
      return queued.trim();
    }
    if (this.ended) throw new NoAnswer(question);
    const line = await this.guard(new Promise<string | null>((resolve) => (this.waiter = resolve)));
    if (line === null) throw new NoAnswer(question);
    // A terminal echoes the answer and its newline; piped answers are not echoed.
    if (!this.stdin.isTTY) this.stderr.write("\n");
    return line.trim();
  }

  /** A yes/no question; an empty answer takes the default. Anything else is asked again (3 times). */
  async yesNo(question: string, def: boolean | null = null): Promise<boolean> {
    const hint = def === null ? "[y/n]" : def ? "[Y/n]" : "[y/N]";
    for (let i = 0; i < 3; i++) {
      const a = (await this.ask(`${question} ${hint}`)).toLowerCase();
      if (a === "" && def !== null) return def;
      if (/^y(es)?$/.test(a)) return true;
      if (/^no?$/.test(a)) return false;
      this.say(`please answer y or n (got ${JSON.stringify(a)})`);
    }
    throw new NoAnswer(question);
  }

  /** Wait, unless interrupted first. */
  sleep(ms: number): Promise<void> {
    return this.guard(new Promise<void>((resolve) => setTimeout(resolve, ms)));
  }

  /** The promise's outcome, or Interrupted as soon as an interruption comes. */
  guard<T>(p: Promise<T>): Promise<T> {
    this.check();
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.ac.signal.reason as Interrupted);
      this.ac.signal.addEventListener("abort", onAbort, { once: true });
      p.then(
        (v) => {
          this.ac.signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (e: unknown) => {
          this.ac.signal.removeEventListener("abort", onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  dispose(): void {
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
    this.rl.close();
  }
}
