/**
 * The board side of each protocol: which frames a board reads, and what it answers. A board
 * answers only commands addressed to it; commands to unknown boards meet silence, as on a bus.
 */
import * as b8a80 from "../drivers/board8a80/protocol.js";
import * as cu16 from "../drivers/cu16/protocol.js";
import * as modbus from "../drivers/modbus-relay/protocol.js";
import * as wkly from "../drivers/wkly/protocol.js";
import type { FrameFormat } from "../drivers/serial/framing.js";
import { SimBoard } from "./sim-board.js";

export type SimProtocol = "cu16" | "8a80" | "modbus-relay" | "wkly";

export interface Responder {
  readonly commandFormat: FrameFormat;
  readonly defaultBaudRate: number;
  readonly channels: number;
  readonly firstBoard: number;
  /** The board a command is for and its answer (null = no answer); null when no board is addressed. */
  handle(frame: Buffer, boards: ReadonlyMap<number, SimBoard>): { board: SimBoard; reply: Buffer | null } | null;
}

export interface ResponderSettings {
  /** CU16: the feedback bit value for a closed door. */
  lockedBit?: 0 | 1;
  /** 0x8A/0x80: the status meaning "open" (0x11 or 0x00); query bits follow it. */
  openStatus?: 0x11 | 0x00;
  /** Modbus relay boards: the door input's bit value when the door is open. */
  openInput?: 0 | 1;
  /** WKLY: the lock byte of a closed door. */
  closedLock?: 0 | 1;
  /** WKLY: whether the board answers an unlock. */
  unlockReply?: "answered" | "silent";
}

export function cu16Responder(settings: ResponderSettings = {}): Responder {
  const lockedBit = settings.lockedBit ?? 1;
  return {
    commandFormat: cu16.commandFormat,
    defaultBaudRate: cu16.BAUD_RATE,
    channels: cu16.CHANNELS,
    firstBoard: 0,
    handle(frame, boards) {
      const cmd = cu16.parseCommand(frame);
      const board = cmd && boards.get(cmd.board);
      if (!cmd || !board) return null;
      switch (cmd.cmd) {
        case cu16.CMD.status: {
          const lockBits = SimBoard.bits(board.doorOpen.map((open) => (open ? lockedBit === 0 : lockedBit === 1)));
          return { board, reply: cu16.encodeStatusReply(cmd.board << 4, lockBits, SimBoard.bits(board.itemPresent)) };
        }
        case cu16.CMD.unlock:
          board.unlock(cmd.lockIndex + 1);
          return { board, reply: null };
        case cu16.CMD.unlockAll:
          for (let ch = 1; ch <= board.channels; ch++) board.unlock(ch);
          return { board, reply: null };
        default:
          return { board, reply: null };
      }
    },
  };
}

export function board8a80Responder(settings: ResponderSettings = {}): Responder {
  const openStatus = settings.openStatus ?? 0x11;
  const closedStatus = openStatus === 0x11 ? 0x00 : 0x11;
  return {
    commandFormat: b8a80.commandFormat,
    defaultBaudRate: b8a80.BAUD_RATE,
    channels: b8a80.CHANNELS,
    firstBoard: 1,
    handle(frame, boards) {
      const cmd = b8a80.parseCommand(frame);
      const board = cmd && boards.get(cmd.board);
      if (!cmd || !board) return null;
      if (cmd.op === b8a80.OP_QUERY) {
        const bits = SimBoard.bits(board.doorOpen.map((open) => open === (openStatus === 0x11)));
        return { board, reply: b8a80.encodeQueryReply(cmd.board, bits) };
      }
      if (cmd.channel === 0) {
        for (let ch = 1; ch <= board.channels; ch++) board.unlock(ch);
        return { board, reply: b8a80.encodeUnlockReply(cmd.board, 0, openStatus) };
      }
      if (cmd.channel > board.channels) return { board, reply: b8a80.encodeUnlockReply(cmd.board, cmd.channel, closedStatus) };
      board.unlock(cmd.channel);
      // The lock has just released: the board reports it open (a jammed lock stays shut).
      return { board, reply: b8a80.encodeUnlockReply(cmd.board, cmd.channel, board.jammed.has(cmd.channel) ? closedStatus : openStatus) };
    },
  };
}

/**
 * A Modbus-RTU relay board with discrete inputs, Waveshare "Relay (D)" style: coils 0.. are the
 * relays (write single / multiple), coils 0x0200.. are "flash on" (relay on for value × 100 ms,
 * then off by itself), discrete inputs 0.. are the door switches. Anything else is refused with
 * the exceptions a Modbus server answers.
 */
export function modbusRelayResponder(settings: ResponderSettings = {}): Responder {
  const openInput = settings.openInput ?? 1;
  return {
    commandFormat: modbus.commandFormat,
    defaultBaudRate: modbus.BAUD_RATE,
    channels: 8,
    firstBoard: 1,
    handle(frame, boards) {
      const cmd = modbus.parseCommand(frame);
      const board = cmd && boards.get(cmd.board);
      if (!cmd || !board) return null;
      const from = board.behaviour.wrongAddress ? (cmd.board % modbus.MAX_BOARD) + 1 : cmd.board;
      const fc = cmd.kind === "read-inputs" ? modbus.FC.readInputs : cmd.kind === "write-coil" ? modbus.FC.writeCoil : cmd.kind === "write-coils" ? modbus.FC.writeCoils : cmd.fc;
      const refuse = (code: number) => ({ board, reply: modbus.encodeException(from, fc, code) });
      if (board.behaviour.refuse) return refuse(4);
      switch (cmd.kind) {
        case "read-inputs": {
          if (cmd.count < 1 || cmd.start + cmd.count > board.channels) return refuse(2);
          const inputs = board.doorOpen.slice(cmd.start, cmd.start + cmd.count).map((open) => (open ? openInput === 1 : openInput === 0));
          return { board, reply: modbus.encodeInputsReply(from, cmd.count, SimBoard.bits(inputs)) };
        }
        case "write-coil": {
          const echo = modbus.withCrc([from, ...frame.subarray(1, 6)]);
          if (cmd.coil >= modbus.FLASH_ON_BASE && cmd.coil < modbus.FLASH_ON_BASE + board.channels) {
            if (cmd.value < 1 || cmd.value > modbus.MAX_PULSE_UNITS) return refuse(3);
            board.pulse(cmd.coil - modbus.FLASH_ON_BASE + 1, cmd.value * modbus.PULSE_UNIT_MS);
            return { board, reply: echo };
          }
          if (cmd.coil < board.channels && (cmd.value === 0xff00 || cmd.value === 0)) {
            if (cmd.value === 0xff00) board.hold(cmd.coil + 1);
            else board.energised.delete(cmd.coil + 1);
            return { board, reply: echo };
          }
          return refuse(cmd.coil < board.channels ? 3 : 2);
        }
        case "write-coils": {
          if (cmd.start + cmd.count > board.channels) return refuse(2);
          cmd.values.forEach((on, i) => (on ? board.hold(cmd.start + i + 1) : board.energised.delete(cmd.start + i + 1)));
          if (cmd.values.every((on) => !on) && cmd.start === 0 && cmd.count === board.channels) board.allOutputsOff();
          return { board, reply: modbus.withCrc([from, modbus.FC.writeCoils, cmd.start >> 8, cmd.start & 0xff, cmd.count >> 8, cmd.count & 0xff]) };
        }
        default:
          return refuse(1);
      }
    },
  };
}

/**
 * A "WKLY" board: answers "open one lock" (unless it is a silent one) and "read all locks"; a
 * channel it does not have is refused with status FF. Addresses in its answers come from the
 * board (a wrong-address fault answers as the next board).
 */
export function wklyResponder(settings: ResponderSettings = {}): Responder {
  const closed = settings.closedLock ?? 1;
  const silent = settings.unlockReply === "silent";
  return {
    commandFormat: wkly.commandFormat,
    defaultBaudRate: wkly.BAUD_RATE,
    channels: 24,
    firstBoard: 0,
    handle(frame, boards) {
      const cmd = wkly.parseCommand(frame);
      const board = cmd && boards.get(cmd.board);
      if (!cmd || !board) return null;
      const from = board.behaviour.wrongAddress ? (cmd.board + 1) % (wkly.MAX_BOARD + 1) : cmd.board;
      const lockOf = (ch: number) => (board.doorOpen[ch - 1] ? 1 - closed : closed);
      if (cmd.cmd === wkly.CMD.readAll) {
        if (board.behaviour.refuse) return { board, reply: wkly.encodeReadAllReply(from, wkly.STATUS_FAILED, []) };
        return { board, reply: wkly.encodeReadAllReply(from, wkly.STATUS_OK, board.doorOpen.map((_, i) => lockOf(i + 1))) };
      }
      if (cmd.cmd === wkly.CMD.open && cmd.data.length === 1) {
        const ch = cmd.data[0]!;
        const ok = !board.behaviour.refuse && ch >= 1 && ch <= board.channels;
        if (ok) board.unlock(ch);
        if (silent) return { board, reply: null };
        // The lock byte right after the pulse: open unless the lock is jammed.
        const lock = ok ? (board.jammed.has(ch) ? closed : 1 - closed) : wkly.LOCK_UNKNOWN;
        return { board, reply: wkly.encodeOpenReply(from, ok ? wkly.STATUS_OK : wkly.STATUS_FAILED, ch, lock) };
      }
      return { board, reply: null };
    },
  };
}

export function responderFor(protocol: SimProtocol, settings: ResponderSettings = {}): Responder {
  switch (protocol) {
    case "cu16":
      return cu16Responder(settings);
    case "8a80":
      return board8a80Responder(settings);
    case "modbus-relay":
      return modbusRelayResponder(settings);
    case "wkly":
      return wklyResponder(settings);
  }
}
