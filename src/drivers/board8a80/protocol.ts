/**
 * Generic "0x8A unlock / 0x80 query" lock boards (see docs/lock-boards.md). Every
 * frame ends with the XOR of the bytes before it (BCC).
 *   unlock  8A BOARD CHANNEL 11 BCC        → 8A BOARD CHANNEL STATUS BCC
 *   query   80 BOARD 00 33 BCC             → 80 BOARD S3 S2 S1 33 BCC (channels 17-24, 9-16, 1-8)
 * Channels are 1-based; channel 0 would open every lock and is never sent.
 */
import { xorBcc } from "../serial/checksum.js";
import type { FrameFormat } from "../serial/framing.js";

export const OP_UNLOCK = 0x8a;
export const OP_QUERY = 0x80;
export const UNLOCK_ARG = 0x11;
export const QUERY_ARG = 0x33;
export const MIN_BOARD = 1;
export const MAX_BOARD = 31;
export const CHANNELS = 24;
export const BAUD_RATE = 9600;
export const REQUEST_LENGTH = 5;
export const UNLOCK_REPLY_LENGTH = 5;
export const QUERY_REPLY_LENGTH = 7;

function withBcc(head: number[]): Buffer {
  return Buffer.from([...head, xorBcc(Uint8Array.from(head))]);
}

function checkBoard(board: number): void {
  if (!Number.isInteger(board) || board < MIN_BOARD || board > MAX_BOARD) throw new RangeError(`8a80: board address ${board} is out of range ${MIN_BOARD}-${MAX_BOARD}`);
}

export function unlockRequest(board: number, channel: number): Buffer {
  checkBoard(board);
  if (!Number.isInteger(channel) || channel < 1 || channel > CHANNELS) throw new RangeError(`8a80: channel ${channel} is out of range 1-${CHANNELS}`);
  return withBcc([OP_UNLOCK, board, channel, UNLOCK_ARG]);
}

export function queryRequest(board: number): Buffer {
  checkBoard(board);
  return withBcc([OP_QUERY, board, 0x00, QUERY_ARG]);
}

export interface UnlockReply {
  board: number;
  channel: number;
  status: number;
}

export interface QueryReply {
  board: number;
  /** Raw feedback bits, index 0 = channel 1 (polarity is the bank's setting). */
  bits: boolean[];
}

export function parseUnlockReply(frame: Buffer): UnlockReply | null {
  if (frame.length !== UNLOCK_REPLY_LENGTH || frame[0] !== OP_UNLOCK || xorBcc(frame.subarray(0, 4)) !== frame[4]) return null;
  return { board: frame[1]!, channel: frame[2]!, status: frame[3]! };
}

export function parseQueryReply(frame: Buffer): QueryReply | null {
  if (frame.length !== QUERY_REPLY_LENGTH || frame[0] !== OP_QUERY || frame[5] !== QUERY_ARG || xorBcc(frame.subarray(0, 6)) !== frame[6]) return null;
  const v = frame[4]! | (frame[3]! << 8) | (frame[2]! << 16);
  return { board: frame[1]!, bits: Array.from({ length: CHANNELS }, (_, i) => ((v >> i) & 1) === 1) };
}

/** The simulator's side: bits bit 0 = channel 1. */
export function encodeQueryReply(board: number, bits: number): Buffer {
  return withBcc([OP_QUERY, board, (bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff, QUERY_ARG]);
}

export function encodeUnlockReply(board: number, channel: number, status: number): Buffer {
  return withBcc([OP_UNLOCK, board, channel, status]);
}

export interface Command8a80 {
  op: number;
  board: number;
  /** Channel for unlock (0 = all); 0 for a query. */
  channel: number;
}

export function parseCommand(frame: Buffer): Command8a80 | null {
  if (frame.length !== REQUEST_LENGTH || xorBcc(frame.subarray(0, 4)) !== frame[4]) return null;
  if (frame[0] === OP_UNLOCK && frame[3] === UNLOCK_ARG) return { op: OP_UNLOCK, board: frame[1]!, channel: frame[2]! };
  if (frame[0] === OP_QUERY && frame[3] === QUERY_ARG) return { op: OP_QUERY, board: frame[1]!, channel: 0 };
  return null;
}

function bccCheck(frame: Buffer, trailerAt: number | null, trailer: number): "ok" | "bad-checksum" | "malformed" {
  if (trailerAt !== null && frame[trailerAt] !== trailer) return "malformed";
  return xorBcc(frame.subarray(0, frame.length - 1)) === frame[frame.length - 1] ? "ok" : "bad-checksum";
}

/** What the host reads: unlock replies (5 bytes) and query replies (7 bytes). */
export const replyFormat: FrameFormat = {
  isStart: (b) => b === OP_UNLOCK || b === OP_QUERY,
  lengthOf: (buf) => (buf[0] === OP_UNLOCK ? UNLOCK_REPLY_LENGTH : QUERY_REPLY_LENGTH),
  check: (frame) => (frame[0] === OP_QUERY ? bccCheck(frame, 5, QUERY_ARG) : bccCheck(frame, null, 0)),
};

/** What a board reads: 5-byte commands. */
export const commandFormat: FrameFormat = {
  isStart: (b) => b === OP_UNLOCK || b === OP_QUERY,
  lengthOf: () => REQUEST_LENGTH,
  check: (frame) => bccCheck(frame, 3, frame[0] === OP_UNLOCK ? UNLOCK_ARG : QUERY_ARG),
};
