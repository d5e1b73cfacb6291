/**
 * Kerong KR-CU16 frames (see docs/lock-boards.md). Host → board: STX ADDR CMD ETX SUM,
 * ADDR = board id << 4 | lock index (0-15). Board → host status: STX ADDR 0x35 L1-8 L9-16
 * IR1-8 IR9-16 ETX SUM. SUM is the low byte of the sum of the bytes before it. Channels in
 * lockerd's layout are 1-based (lock 1 = index 0), as the notes and the board labels count.
 */
import { byteSum } from "../serial/checksum.js";
import type { FrameFormat } from "../serial/framing.js";

export const STX = 0x02;
export const ETX = 0x03;
export const CMD = { status: 0x30, unlock: 0x31, statusAll: 0x32, unlockAll: 0x33 } as const;
export const REPLY_STATUS = 0x35;
export const REQUEST_LENGTH = 5;
export const STATUS_REPLY_LENGTH = 9;

export const MAX_BOARD = 9;
export const CHANNELS = 16;
export const BAUD_RATE = 19200;

/** One host → board command frame. */
export function encodeCommand(board: number, lockIndex: number, cmd: number): Buffer {
  if (!Number.isInteger(board) || board < 0 || board > 15) throw new RangeError(`cu16: board id ${board} is out of range`);
  if (!Number.isInteger(lockIndex) || lockIndex < 0 || lockIndex > 15) throw new RangeError(`cu16: lock index ${lockIndex} is out of range`);
  const head = [STX, (board << 4) | lockIndex, cmd, ETX];
  return Buffer.from([...head, byteSum(Uint8Array.from(head))]);
}

export const statusRequest = (board: number): Buffer => encodeCommand(board, 0, CMD.status);

/** Unlock one lock; channel 1-16. */
export function unlockRequest(board: number, channel: number): Buffer {
  if (!Number.isInteger(channel) || channel < 1 || channel > CHANNELS) throw new RangeError(`cu16: channel ${channel} is out of range 1-${CHANNELS}`);
  return encodeCommand(board, channel - 1, CMD.unlock);
}

export interface Cu16Status {
  /** Board id as the reply states it. */
  addr: number;
  /** Raw lock feedback bits, index 0 = channel 1 (polarity is the bank's setting). */
  lockBits: boolean[];
  /** Infrared inputs, index 0 = channel 1; true = item present. */
  ir: boolean[];
}

export function parseStatusReply(frame: Buffer): Cu16Status | null {
  if (frame.length !== STATUS_REPLY_LENGTH || frame[0] !== STX || frame[2] !== REPLY_STATUS || frame[7] !== ETX) return null;
  if (byteSum(frame.subarray(0, 8)) !== frame[8]) return null;
  return { addr: frame[1]!, lockBits: bits16(frame[3]!, frame[4]!), ir: bits16(frame[5]!, frame[6]!) };
}

/**
 * Whether a status reply's address byte names this board. Firmware differs: most repeat the
 * command's ADDR (board << 4), some send the plain board id; both are accepted, and because a
 * question is asked of one board at a time the two readings cannot be confused.
 */
export function replyIsFrom(addr: number, board: number): boolean {
  return addr === board << 4 || addr === board;
}

/** A status reply (the simulator's side). lockBits/ir: bit 0 = channel 1. */
export function encodeStatusReply(addr: number, lockBits: number, irBits: number): Buffer {
  const head = [STX, addr, REPLY_STATUS, lockBits & 0xff, (lockBits >> 8) & 0xff, irBits & 0xff, (irBits >> 8) & 0xff, ETX];
  return Buffer.from([...head, byteSum(Uint8Array.from(head))]);
}

export interface Cu16Command {
  board: number;
  lockIndex: number;
  cmd: number;
}

export function parseCommand(frame: Buffer): Cu16Command | null {
  if (frame.length !== REQUEST_LENGTH || frame[0] !== STX || frame[3] !== ETX) return null;
  if (byteSum(frame.subarray(0, 4)) !== frame[4]) return null;
  return { board: frame[1]! >> 4, lockIndex: frame[1]! & 0x0f, cmd: frame[2]! };
}

function bits16(lo: number, hi: number): boolean[] {
  const v = lo | (hi << 8);
  return Array.from({ length: 16 }, (_, i) => ((v >> i) & 1) === 1);
}

function sumCheck(frame: Buffer, etxAt: number): "ok" | "bad-checksum" | "malformed" {
  if (frame[etxAt] !== ETX) return "malformed";
  return byteSum(frame.subarray(0, frame.length - 1)) === frame[frame.length - 1] ? "ok" : "bad-checksum";
}

/** What the host reads: status replies. */
export const replyFormat: FrameFormat = {
  isStart: (b) => b === STX,
  lengthOf: (buf) => (buf.length < 3 ? "more" : buf[2] === REPLY_STATUS ? STATUS_REPLY_LENGTH : "invalid"),
  check: (frame) => sumCheck(frame, STATUS_REPLY_LENGTH - 2),
};

/** What a board reads: 5-byte commands. */
export const commandFormat: FrameFormat = {
  isStart: (b) => b === STX,
  lengthOf: () => REQUEST_LENGTH,
  check: (frame) => sumCheck(frame, REQUEST_LENGTH - 2),
};
