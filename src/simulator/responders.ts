/**
 * The board side of each protocol: which frames a board reads, and what it answers. A board
 * answers only commands addressed to it; commands to unknown boards meet silence, as on a bus.
 */
import * as b8a80 from "../drivers/board8a80/protocol.js";
import * as cu16 from "../drivers/cu16/protocol.js";
import type { FrameFormat } from "../drivers/serial/framing.js";
import { SimBoard } from "./sim-board.js";

export type SimProtocol = "cu16" | "8a80";

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

export function responderFor(protocol: SimProtocol, settings: ResponderSettings = {}): Responder {
  return protocol === "cu16" ? cu16Responder(settings) : board8a80Responder(settings);
}
