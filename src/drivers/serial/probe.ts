/**
 * Talking to the boards of one dialect on a serial line outside the daemon, for
 * `lockerctl calibrate`: which addresses answer (probing sends ONLY the dialect's read command:
 * CU16 status 0x30, the 0x80 query, Modbus "read discrete inputs", WKLY "read all locks"; never
 * a command that can move a lock), reading them, and pulsing one lock once asked to.
 */
import { BoardRefusedError, type BoardProtocol, type BoardReading } from "./board-bank.js";
import { BOARD_LIMITS, type BoardDriver } from "./from-config.js";
import { SerialPortLine, interFrameGapMs, type SerialLine } from "./line.js";
import { SerialLink } from "./link.js";

export interface ProbeLineOptions {
  driver: BoardDriver;
  protocol: BoardProtocol;
  path: string;
  /** Default: the dialect's factory rate. */
  baudRate?: number | undefined;
  responseTimeoutMs: number;
  /** A line built by the caller (tests); otherwise serialport on `path`. */
  line?: SerialLine;
}

export interface FoundBoard {
  board: number;
  /** Channels the board reported (its reading's length; a Modbus board: the channels asked for). */
  channels: number;
  /** It answered with a refusal (a Modbus exception, a WKLY status FF): there, but not readable. */
  refused: string | null;
}

/** A port another program holds (serialport locks the device it opens): the daemon, usually. */
export class PortBusyError extends Error {
  readonly code = "PORT_BUSY";
}

export class BoardLine {
  readonly baudRate: number;
  private readonly link: SerialLink;
  private opened = false;

  constructor(private readonly opts: ProbeLineOptions) {
    this.baudRate = opts.baudRate ?? BOARD_LIMITS[opts.driver].baudRate;
    const line = opts.line ?? new SerialPortLine({ path: opts.path, baudRate: this.baudRate });
    this.link = new SerialLink(line, opts.protocol.replyFormat, { gapMs: interFrameGapMs(this.baudRate), responseTimeoutMs: opts.responseTimeoutMs, retries: 0 });
  }

  get protocol(): BoardProtocol {
    return this.opts.protocol;
  }

  async open(): Promise<void> {
    try {
      await this.link.open();
    } catch (e) {
      const msg = (e as Error).message;
      if (/cannot lock port|resource temporarily unavailable/i.test(msg)) throw new PortBusyError(`${this.opts.path} is held by another program (${msg})`);
      throw e;
    }
    this.opened = true;
  }

  /** Ask one address once; null when nothing answered in time. */
  async probe(board: number): Promise<FoundBoard | null> {
    try {
      const r = await this.opts.protocol.read(this.link, board, 0);
      return { board, channels: r.doorOpen.length, refused: null };
    } catch (e) {
      if (e instanceof BoardRefusedError) return { board, channels: 0, refused: e.message };
      if ((e as { code?: string }).code === "REPLY_TIMEOUT") return null;
      throw e;
    }
  }

  /** One reading (asked again up to `retries` times). */
  read(board: number, retries = 1): Promise<BoardReading> {
    return this.opts.protocol.read(this.link, board, retries);
  }

  /** Pulse one lock (the board times the pulse). */
  async pulse(board: number, channel: number, pulseMs: number): Promise<void> {
    await this.opts.protocol.unlock(this.link, board, channel, pulseMs);
  }

  /** Every output of these boards off, where the protocol can hold one on (relay boards). */
  async allOff(boards: readonly number[]): Promise<void> {
    const off = this.opts.protocol.allOff;
    if (!off) return;
    for (const b of boards) await off.call(this.opts.protocol, this.link, b, 1);
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    await this.link.close();
  }
}
