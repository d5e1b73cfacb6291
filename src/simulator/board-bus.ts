/**
 * A simulated RS-485 bus of lock boards behind a real serial line (one end of a socat pty pair,
 * or a USB adapter looped to the bank's bus): it reads commands with the protocol's framing
 * parser and answers as the addressed board would, faults included. The daemon's real driver
 * reaches it exactly as it reaches hardware.
 */
import { FrameParser } from "../drivers/serial/framing.js";
import { SerialPortLine, type SerialLine } from "../drivers/serial/line.js";
import { responderFor, type ResponderSettings, type SimProtocol } from "./responders.js";
import { SimBoard, type BoardChange, type PersonSettings } from "./sim-board.js";

export interface BoardBusOptions extends ResponderSettings {
  protocol: SimProtocol;
  /** The simulator's end of the line. */
  device: string;
  baudRate?: number;
  /** Board addresses on the bus. */
  boards: readonly number[];
  channels?: number;
  person: PersonSettings;
  onChange?: (c: BoardChange) => void;
  /** Every frame read and written, for a technician watching the bus. */
  onTraffic?: (dir: "in" | "out", bytes: Buffer) => void;
}

/** Bytes that hold no valid frame of either protocol but do hold their start bytes. */
export const GARBAGE = Buffer.from([0xff, 0x02, 0x13, 0x8a, 0x55, 0x80, 0x00, 0x02, 0x35, 0x7e]);

export class BoardBus {
  readonly boards = new Map<number, SimBoard>();
  private readonly line: SerialLine;
  private readonly parser: FrameParser;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly responder;
  /** Commands read, by anyone: tests check that nothing talks too much or too little. */
  readonly received: Buffer[] = [];

  constructor(private readonly opts: BoardBusOptions) {
    this.responder = responderFor(opts.protocol, opts);
    this.parser = new FrameParser(this.responder.commandFormat);
    const channels = opts.channels ?? this.responder.channels;
    for (const id of opts.boards) this.boards.set(id, new SimBoard(id, channels, opts.person, opts.onChange));
    this.line = new SerialPortLine({ path: opts.device, baudRate: opts.baudRate ?? this.responder.defaultBaudRate });
    this.line.onData((chunk) => this.onData(chunk));
  }

  start(): Promise<void> {
    return this.line.open();
  }

  board(id: number): SimBoard {
    const b = this.boards.get(id);
    if (!b) throw new Error(`no simulated board ${id}`);
    return b;
  }

  /** Put bytes on the line unasked (noise, a board babbling). */
  async inject(bytes: Uint8Array): Promise<void> {
    this.opts.onTraffic?.("out", Buffer.from(bytes));
    await this.line.write(bytes);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const b of this.boards.values()) b.stop();
    await this.line.close();
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.parser.push(chunk).frames) {
      this.received.push(frame);
      this.opts.onTraffic?.("in", frame);
      const handled = this.responder.handle(frame, this.boards);
      if (!handled) continue;
      const { board, reply } = handled;
      const b = board.behaviour;
      if (b.silent) continue;
      let out: Buffer | null = reply;
      if (b.garbage) out = GARBAGE;
      else if (out && b.badChecksum) out = Buffer.concat([out.subarray(0, -1), Buffer.from([(out[out.length - 1]! ^ 0x5a) & 0xff])]);
      if (out && b.truncated) out = out.subarray(0, Math.max(1, out.length - 2));
      if (out && b.noise) out = Buffer.concat([GARBAGE, out]);
      if (!out) continue;
      const send = out;
      const write = () => void this.inject(send).catch(() => undefined);
      if (b.delayMs > 0) {
        const t = setTimeout(() => {
          this.timers.delete(t);
          write();
        }, b.delayMs);
        this.timers.add(t);
      } else write();
    }
  }
}
