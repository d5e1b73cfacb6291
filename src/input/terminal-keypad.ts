/**
 * A keypad on the terminal for development (`npm start` at a TTY): digits, * and #, Enter as #,
 * Backspace, Escape. Raw mode swallows Ctrl-C, so it is passed on as SIGINT.
 */
import type { DeviceListener, KeypadDevice, KeypadKey } from "./devices.js";

const KEYS: Record<string, KeypadKey> = { "*": "*", "#": "#", "\r": "#", "\n": "#", "\x7f": "backspace", "\b": "backspace", "\x1b": "escape" };

export function terminalKey(ch: string): KeypadKey | undefined {
  if (ch >= "0" && ch <= "9" && ch.length === 1) return ch as KeypadKey;
  return KEYS[ch];
}

export class TerminalKeypad implements KeypadDevice {
  readonly kind = "terminal";
  private onData: ((d: Buffer) => void) | null = null;

  constructor(private readonly stdin: NodeJS.ReadStream = process.stdin) {}

  async start(listener: DeviceListener<KeypadKey>): Promise<void> {
    if (this.stdin.isTTY) this.stdin.setRawMode(true);
    this.onData = (d) => {
      for (const ch of d.toString("latin1")) {
        if (ch === "\x03") {
          process.kill(process.pid, "SIGINT");
          continue;
        }
        const key = terminalKey(ch);
        if (key) listener.input(key);
      }
    };
    this.stdin.on("data", this.onData);
    this.stdin.resume();
    listener.connected?.(true);
  }

  async stop(): Promise<void> {
    if (this.onData) this.stdin.off("data", this.onData);
    this.onData = null;
    if (this.stdin.isTTY) this.stdin.setRawMode(false);
    this.stdin.pause();
  }
}
