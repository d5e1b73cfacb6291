/**
 * "WKLY" lock boards (frames start with ASCII "WKLY"; sources in test/drivers/wkly-frames.test.ts).
 *   57 4B 4C 59 LEN ADDR CMD DATA... XOR
 * LEN is the whole frame's length, XOR the XOR of every byte before it (header included).
 *   open one lock   CMD 82 DATA channel          → 82 STATUS CHANNEL LOCK   (STATUS 00 ok, FF failed)
 *   read all locks  CMD 84 (no data)             → 84 STATUS COUNT LOCK×COUNT
 *   state upload    85 CHANNEL LOCK              (unasked, on a change; lockerd polls instead)
 * LOCK is 00 or 01 (which one means closed is the bank's setting), FF when the board cannot tell.
 * Channels are 1-based, as the boards count them.
 */
import { xorBcc } from "../serial/checksum.js";
import type { FrameFormat } from "../serial/framing.js";

export const HEADER = [0x57, 0x4b, 0x4c, 0x59] as const;
export const CMD = { openMany: 0x80, flash: 0x81, open: 0x82, readOne: 0x83, readAll: 0x84, upload: 0x85, openAll: 0x86 } as const;
export const STATUS_OK = 0x00;
export const STATUS_FAILED = 0xff;
export const LOCK_UNKNOWN = 0xff;
export const MIN_BOARD = 0;
export const MAX_BOARD = 31;
/** The most channels a board reports (24 on the common board; the count is in every reading). */
export const MAX_CHANNELS = 48;
export const BAUD_RATE = 9600;
/** Shortest frame: header, length, address, command, check. */
const MIN_FRAME = 8;
const MAX_FRAME = MIN_FRAME + 2 + MAX_CHANNELS;

export function frame(board: number, cmd: number, data: readonly number[] = []): Buffer {
  const head = [...HEADER, MIN_FRAME + data.length, board, cmd, ...data];
  return Buffer.from([...head, xorBcc(Uint8Array.from(head))]);
}

function checkBoard(board: number): void {
  if (!Number.isInteger(board) || board < MIN_BOARD || board > MAX_BOARD) throw new RangeError(`wkly: board address ${board} is out of range ${MIN_BOARD}-${MAX_BOARD}`);
}

export function openRequest(board: number, channel: number): Buffer {
  checkBoard(board);
  if (!Number.isInteger(channel) || channel < 1 || channel > MAX_CHANNELS) throw new RangeError(`wkly: channel ${channel} is out of range 1-${MAX_CHANNELS}`);
  return frame(board, CMD.open, [channel]);
}

export function readAllRequest(board: number): Buffer {
  checkBoard(board);
  return frame(board, CMD.readAll);
}

export type Reply =
  | { kind: "open"; board: number; status: number; channel: number; lock: number }
  | { kind: "all"; board: number; status: number; /** Raw lock bytes, index 0 = channel 1. */ locks: number[] }
  | { kind: "upload"; board: number; channel: number; lock: number }
  | { kind: "other"; board: number; cmd: number };

function whole(f: Uint8Array): boolean {
  return f.length >= MIN_FRAME && HEADER.every((b, i) => f[i] === b) && f[4] === f.length && xorBcc(f.subarray(0, f.length - 1)) === f[f.length - 1];
}

export function parseReply(f: Buffer): Reply | null {
  if (!whole(f)) return null;
  const board = f[5]!;
  const cmd = f[6]!;
  const data = [...f.subarray(7, f.length - 1)];
  if (cmd === CMD.open) return data.length === 3 ? { kind: "open", board, status: data[0]!, channel: data[1]!, lock: data[2]! } : null;
  if (cmd === CMD.readAll) return data.length >= 2 && data.length === 2 + data[1]! ? { kind: "all", board, status: data[0]!, locks: data.slice(2) } : null;
  if (cmd === CMD.upload) return data.length === 2 ? { kind: "upload", board, channel: data[0]!, lock: data[1]! } : null;
  return { kind: "other", board, cmd };
}

// The simulator's side.

export function encodeOpenReply(board: number, status: number, channel: number, lock: number): Buffer {
  return frame(board, CMD.open, [status, channel, lock]);
}

export function encodeReadAllReply(board: number, status: number, locks: readonly number[]): Buffer {
  return frame(board, CMD.readAll, [status, locks.length, ...locks]);
}

export interface Command {
  board: number;
  cmd: number;
  data: number[];
}

export function parseCommand(f: Buffer): Command | null {
  if (!whole(f)) return null;
  return { board: f[5]!, cmd: f[6]!, data: [...f.subarray(7, f.length - 1)] };
}

// Framing: the header, then the length byte says where the frame ends.

const format: FrameFormat = {
  isStart: (b) => b === HEADER[0],
  lengthOf(buf) {
    for (let i = 1; i < 4; i++) {
      if (buf.length <= i) return "more";
      if (buf[i] !== HEADER[i]) return "invalid";
    }
    if (buf.length < 5) return "more";
    const len = buf[4]!;
    return len >= MIN_FRAME && len <= MAX_FRAME ? len : "invalid";
  },
  check: (f) => (xorBcc(f.subarray(0, f.length - 1)) === f[f.length - 1] ? "ok" : "bad-checksum"),
};

/** Both directions use the same frame. */
export const replyFormat: FrameFormat = format;
export const commandFormat: FrameFormat = format;
