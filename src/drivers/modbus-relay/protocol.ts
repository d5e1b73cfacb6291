/**
 * Modbus-RTU relay boards with discrete inputs (the Waveshare "Modbus RTU Relay (D)" is the
 * reference; sources in test/drivers/modbus-relay-frames.test.ts). Every frame is
 * ADDR FC DATA... CRC_LO CRC_HI with CRC-16/MODBUS over the bytes before it.
 *   pulse one relay   ADDR 05 02 CH T_HI T_LO CRC   → echoed      (Waveshare "flash on": the
 *                     board switches relay CH (0-based) on and off again after T × 100 ms)
 *   all relays off    ADDR 0F 00 00 00 N BYTES 00.. CRC → ADDR 0F 00 00 00 N CRC
 *   read inputs       ADDR 02 00 00 00 N CRC        → ADDR 02 BYTES DATA.. CRC (bit 0 = input 1)
 *   refusal           ADDR FC|0x80 CODE CRC          (a Modbus exception)
 * Channels in lockerd's layout are 1-based (relay 1 = coil 0; door input 1 = input 0).
 */
import { crc16Modbus } from "../serial/checksum.js";
import type { FrameFormat } from "../serial/framing.js";

export const FC = { readCoils: 0x01, readInputs: 0x02, writeCoil: 0x05, writeCoils: 0x0f } as const;
/** Waveshare's "flash on" coil block: coil 0x0200 + relay index, value = time in 100 ms. */
export const FLASH_ON_BASE = 0x0200;
export const PULSE_UNIT_MS = 100;
/** The longest pulse the command can carry (0x7FFF × 100 ms on Waveshare's firmware). */
export const MAX_PULSE_UNITS = 0x7fff;
export const MIN_BOARD = 1;
export const MAX_BOARD = 247;
/** Relay/input channels a board may have (the Relay (D) has 8; 16- and 32-channel variants exist). */
export const MAX_CHANNELS = 32;
export const BAUD_RATE = 9600;

export const EXCEPTION_NAMES: Record<number, string> = {
  1: "illegal function",
  2: "illegal data address",
  3: "illegal data value",
  4: "server device failure",
  6: "server device busy",
};

export function withCrc(head: readonly number[]): Buffer {
  const crc = crc16Modbus(Uint8Array.from(head));
  return Buffer.from([...head, crc & 0xff, crc >> 8]);
}

export function crcOk(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const crc = crc16Modbus(frame.subarray(0, frame.length - 2));
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >> 8;
}

function checkBoard(board: number): void {
  if (!Number.isInteger(board) || board < MIN_BOARD || board > MAX_BOARD) throw new RangeError(`modbus-relay: board address ${board} is out of range ${MIN_BOARD}-${MAX_BOARD}`);
}

function checkChannels(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_CHANNELS) throw new RangeError(`modbus-relay: channel count ${count} is out of range 1-${MAX_CHANNELS}`);
}

/** The number of 100 ms units for a pulse: rounded up, at least one, never more than the board takes. */
export function pulseUnits(pulseMs: number): number {
  if (!Number.isFinite(pulseMs) || pulseMs <= 0) throw new RangeError(`modbus-relay: pulse ${pulseMs} ms is not a positive duration`);
  return Math.min(MAX_PULSE_UNITS, Math.max(1, Math.ceil(pulseMs / PULSE_UNIT_MS)));
}

/** Pulse relay `channel` (1-based) for pulseMs; the board ends the pulse itself. */
export function pulseRequest(board: number, channel: number, pulseMs: number): Buffer {
  checkBoard(board);
  if (!Number.isInteger(channel) || channel < 1 || channel > MAX_CHANNELS) throw new RangeError(`modbus-relay: channel ${channel} is out of range 1-${MAX_CHANNELS}`);
  const coil = FLASH_ON_BASE + channel - 1;
  const units = pulseUnits(pulseMs);
  return withCrc([board, FC.writeCoil, coil >> 8, coil & 0xff, units >> 8, units & 0xff]);
}

/** Switch relays 1..channels off (write multiple coils, all zero). */
export function allOffRequest(board: number, channels: number): Buffer {
  checkBoard(board);
  checkChannels(channels);
  const bytes = Math.ceil(channels / 8);
  return withCrc([board, FC.writeCoils, 0x00, 0x00, 0x00, channels, bytes, ...new Array<number>(bytes).fill(0)]);
}

/** Read discrete inputs 1..channels. */
export function readInputsRequest(board: number, channels: number): Buffer {
  checkBoard(board);
  checkChannels(channels);
  return withCrc([board, FC.readInputs, 0x00, 0x00, 0x00, channels]);
}

export type Reply =
  | { kind: "inputs"; board: number; /** Raw input bits, index 0 = input 1. */ bits: boolean[] }
  | { kind: "pulse"; board: number; channel: number; units: number }
  | { kind: "all-off"; board: number; channels: number }
  | { kind: "exception"; board: number; fc: number; code: number };

/** A reply that passed the framing checks, decoded; null when it is no reply this driver knows. */
export function parseReply(frame: Buffer): Reply | null {
  if (!crcOk(frame)) return null;
  const board = frame[0]!;
  const fc = frame[1]!;
  if (fc & 0x80) return frame.length === 5 ? { kind: "exception", board, fc: fc & 0x7f, code: frame[2]! } : null;
  if (fc === FC.readInputs) {
    const n = frame[2]!;
    if (frame.length !== 3 + n + 2) return null;
    const bits: boolean[] = [];
    for (let i = 0; i < n * 8; i++) bits.push(((frame[3 + (i >> 3)]! >> (i & 7)) & 1) === 1);
    return { kind: "inputs", board, bits };
  }
  if (frame.length !== 8) return null;
  const addr = (frame[2]! << 8) | frame[3]!;
  const value = (frame[4]! << 8) | frame[5]!;
  if (fc === FC.writeCoil && addr >= FLASH_ON_BASE && addr < FLASH_ON_BASE + MAX_CHANNELS) return { kind: "pulse", board, channel: addr - FLASH_ON_BASE + 1, units: value };
  if (fc === FC.writeCoils && addr === 0) return { kind: "all-off", board, channels: value };
  return null;
}

export function describeException(r: { fc: number; code: number }): string {
  const name = EXCEPTION_NAMES[r.code] ?? "unknown exception";
  return `exception ${r.code.toString(16).padStart(2, "0").toUpperCase()} (${name}) to function ${r.fc.toString(16).padStart(2, "0").toUpperCase()}`;
}

// The simulator's side.

/** Discrete inputs reply; bits: bit 0 = input 1. */
export function encodeInputsReply(board: number, channels: number, bits: number): Buffer {
  const n = Math.ceil(channels / 8);
  const data = Array.from({ length: n }, (_, i) => (bits >>> (8 * i)) & 0xff);
  return withCrc([board, FC.readInputs, n, ...data]);
}

export function encodeAllOffReply(board: number, channels: number): Buffer {
  return withCrc([board, FC.writeCoils, 0x00, 0x00, 0x00, channels]);
}

export function encodeException(board: number, fc: number, code: number): Buffer {
  return withCrc([board, fc | 0x80, code]);
}

export type Command =
  | { kind: "read-inputs"; board: number; start: number; count: number }
  | { kind: "write-coil"; board: number; coil: number; value: number }
  | { kind: "write-coils"; board: number; start: number; count: number; values: boolean[] }
  | { kind: "other"; board: number; fc: number };

export function parseCommand(frame: Buffer): Command | null {
  if (!crcOk(frame)) return null;
  const board = frame[0]!;
  const fc = frame[1]!;
  const word = (at: number) => (frame[at]! << 8) | frame[at + 1]!;
  if (fc === FC.writeCoils) {
    const count = word(4);
    const values = Array.from({ length: count }, (_, i) => ((frame[7 + (i >> 3)]! >> (i & 7)) & 1) === 1);
    return { kind: "write-coils", board, start: word(2), count, values };
  }
  if (frame.length !== 8) return { kind: "other", board, fc };
  if (fc === FC.readInputs) return { kind: "read-inputs", board, start: word(2), count: word(4) };
  if (fc === FC.writeCoil) return { kind: "write-coil", board, coil: word(2), value: word(4) };
  return { kind: "other", board, fc };
}

// Framing. Modbus RTU marks frames by silence; over a pty (and a USB adapter) silence is not
// seen, so frames are found by their length and CRC instead, resynchronising byte by byte.

const isAddress = (b: number) => b >= MIN_BOARD && b <= MAX_BOARD;
const crcCheck = (frame: Buffer): "ok" | "bad-checksum" => (crcOk(frame) ? "ok" : "bad-checksum");

/** What the host reads: input reads, echoed writes and exceptions. */
export const replyFormat: FrameFormat = {
  isStart: isAddress,
  lengthOf(buf) {
    if (buf.length < 2) return "more";
    const fc = buf[1]!;
    if (fc === (FC.readInputs | 0x80) || fc === (FC.writeCoil | 0x80) || fc === (FC.writeCoils | 0x80) || fc === (FC.readCoils | 0x80)) return 5;
    if (fc === FC.writeCoil || fc === FC.writeCoils) return 8;
    if (fc === FC.readInputs || fc === FC.readCoils) {
      if (buf.length < 3) return "more";
      const n = buf[2]!;
      return n >= 1 && n <= MAX_CHANNELS / 8 ? 3 + n + 2 : "invalid";
    }
    return "invalid";
  },
  check: crcCheck,
};

/** What a board reads: requests. */
export const commandFormat: FrameFormat = {
  isStart: isAddress,
  lengthOf(buf) {
    if (buf.length < 2) return "more";
    const fc = buf[1]!;
    if (fc === FC.readCoils || fc === FC.readInputs || fc === FC.writeCoil) return 8;
    if (fc === FC.writeCoils) {
      if (buf.length < 7) return "more";
      const n = buf[6]!;
      return n >= 1 && n <= MAX_CHANNELS / 8 ? 7 + n + 2 : "invalid";
    }
    return "invalid";
  },
  check: crcCheck,
};
