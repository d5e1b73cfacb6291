/**
 * Modbus-RTU relay boards as a lock bank: one relay per lock, pulsed with the board-timed "flash
 * on" command (the board switches the relay off again itself, so lockerd never holds an output
 * on), and one discrete input per door read by polling. Which input level means "open" depends
 * on the door switch's wiring and is the bank's setting; there is no default to guess from.
 * Before the first poll and when the bank stops, every relay of every board is switched off.
 */
import { BoardLockBank, BoardRefusedError, type BoardBankOptions, type BoardProtocol } from "../serial/board-bank.js";
import type { BusLink } from "../serial/link.js";
import { allOffRequest, describeException, parseReply, pulseRequest, readInputsRequest, replyFormat, type Reply } from "./protocol.js";

export interface ModbusRelaySettings {
  /** Relays and door inputs per board (channels 1..channels). */
  channels: number;
  /** The door input's bit value when the door is open. */
  openInput: 0 | 1;
}

/** Accept the reply from this board: the expected kind, or its refusal (an exception) as an error. */
function answerFrom<K extends Reply["kind"]>(board: number, kind: K, matches: (r: Extract<Reply, { kind: K }>) => boolean) {
  return (frame: Buffer): Extract<Reply, { kind: K }> | BoardRefusedError | undefined => {
    const r = parseReply(frame);
    if (!r || r.board !== board) return undefined;
    if (r.kind === "exception") return new BoardRefusedError(`modbus-relay board ${board} refused: ${describeException(r)}`);
    return r.kind === kind && matches(r as Extract<Reply, { kind: K }>) ? (r as Extract<Reply, { kind: K }>) : undefined;
  };
}

async function ask<T>(link: BusLink, frame: Buffer, accept: (f: Buffer) => T | BoardRefusedError | undefined, what: string, retries?: number): Promise<T> {
  const r = await link.request(frame, accept, what, retries);
  if (r instanceof BoardRefusedError) throw r;
  return r;
}

export function modbusRelayProtocol(settings: ModbusRelaySettings): BoardProtocol {
  const { channels, openInput } = settings;
  return {
    kind: "modbus-relay",
    replyFormat,
    async read(link, board, retries) {
      const r = await ask(
        link,
        readInputsRequest(board, channels),
        answerFrom(board, "inputs", (x) => x.bits.length >= channels),
        `modbus-relay input read of board ${board}`,
        retries,
      );
      return { doorOpen: r.bits.slice(0, channels).map((bit) => Number(bit) === openInput) };
    },
    async unlock(link, board, channel, pulseMs) {
      const frame = pulseRequest(board, channel, pulseMs);
      // The board echoes the command when it has started the pulse: only an exact echo counts.
      await ask(link, frame, answerFrom(board, "pulse", (x) => x.channel === channel && x.units === frame.readUInt16BE(4)), `modbus-relay pulse of board ${board} relay ${channel}`);
      return null;
    },
    async allOff(link, board) {
      await ask(link, allOffRequest(board, channels), answerFrom(board, "all-off", (x) => x.channels === channels), `modbus-relay all-off of board ${board}`);
    },
  };
}

export class ModbusRelayLockBank extends BoardLockBank {
  constructor(opts: Omit<BoardBankOptions, "protocol"> & { settings: ModbusRelaySettings }) {
    super({ ...opts, protocol: modbusRelayProtocol(opts.settings) });
  }
}
