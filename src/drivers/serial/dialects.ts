/**
 * The board dialects as `lockerctl calibrate` needs them: each one's read command, address
 * range and factory baud rate, and the polarity setting a door's reading teaches. Reading is
 * done with a reference polarity (the default of each setting); whether an opened door then
 * reads "open" tells which way the bank is wired.
 */
import { board8a80Protocol } from "../board8a80/board8a80-lock-bank.js";
import { cu16Protocol } from "../cu16/cu16-lock-bank.js";
import { modbusRelayProtocol } from "../modbus-relay/modbus-relay-lock-bank.js";
import { wklyProtocol } from "../wkly/wkly-lock-bank.js";
import type { BoardProtocol } from "./board-bank.js";
import { BOARD_LIMITS, type BoardDriver } from "./from-config.js";

export const DIALECTS: readonly BoardDriver[] = ["cu16", "8a80", "modbus-relay", "wkly"];

/**
 * Addresses probed when none are given: the protocol's whole range, except Modbus (1-247 would
 * take most of a minute): 1-32, which covers any bank of boards numbered from 1.
 */
export function defaultProbeRange(driver: BoardDriver): [number, number] {
  const l = BOARD_LIMITS[driver];
  return [l.minBoard, driver === "modbus-relay" ? 32 : l.maxBoard];
}

/** The learned polarity, as the value of the driver's own setting. */
export type Polarity = { cu16: { lockedBit: 0 | 1 } } | { "8a80": { openStatus: "0x11" | "0x00" } } | { "modbus-relay": { openInput: 0 | 1 } } | { wkly: { closedLock: 0 | 1 } };

/** The setting's key, for people: "cu16.lockedBit". */
export const POLARITY_KEY: Record<BoardDriver, string> = {
  cu16: "cu16.lockedBit",
  "8a80": "8a80.openStatus",
  "modbus-relay": "modbus-relay.openInput",
  wkly: "wkly.closedLock",
};

/**
 * The polarity a door teaches: `referenceReadsOpen` is whether the opened door read open under
 * the reference polarity (each setting's default: lockedBit 1, openStatus 0x11, openInput 1,
 * closedLock 1).
 */
export function learnedPolarity(driver: BoardDriver, referenceReadsOpen: boolean): Polarity {
  const bit = (referenceReadsOpen ? 1 : 0) as 0 | 1;
  switch (driver) {
    case "cu16":
      return { cu16: { lockedBit: bit } };
    case "8a80":
      return { "8a80": { openStatus: referenceReadsOpen ? "0x11" : "0x00" } };
    case "modbus-relay":
      return { "modbus-relay": { openInput: bit } };
    case "wkly":
      return { wkly: { closedLock: bit } };
  }
}

/** A --polarity value for the driver ("0", "1"; "0x11", "0x00" for 8a80), or null when it is not one. */
export function parsePolarity(driver: BoardDriver, raw: string): Polarity | null {
  if (driver === "8a80") {
    const v = raw.toLowerCase();
    return v === "0x11" || v === "0x00" ? { "8a80": { openStatus: v } } : null;
  }
  if (raw !== "0" && raw !== "1") return null;
  const bit = Number(raw) as 0 | 1;
  return driver === "cu16" ? { cu16: { lockedBit: bit } } : driver === "modbus-relay" ? { "modbus-relay": { openInput: bit } } : { wkly: { closedLock: bit } };
}

export function polarityValue(p: Polarity): string {
  const [inner] = Object.values(p) as Record<string, string | number>[];
  return String(Object.values(inner!)[0]);
}

export interface DialectOptions {
  /** Modbus relay boards: inputs read per board. */
  channels: number;
  /** WKLY: whether the board answers an unlock. */
  unlockReply: "answered" | "silent";
}

/**
 * The driver's protocol with a polarity: the learned one, or the reference one for probing and
 * for learning it. Probing calls only `read`.
 */
export function dialectProtocol(driver: BoardDriver, opts: DialectOptions, polarity?: Polarity): BoardProtocol {
  const p = (polarity ?? {}) as Partial<Record<BoardDriver, Record<string, unknown>>>;
  switch (driver) {
    case "cu16":
      return cu16Protocol({ lockedBit: (p.cu16?.lockedBit as 0 | 1 | undefined) ?? 1 });
    case "8a80":
      return board8a80Protocol({ openStatus: p["8a80"]?.openStatus === "0x00" ? 0x00 : 0x11 });
    case "modbus-relay":
      return modbusRelayProtocol({ channels: opts.channels, openInput: (p["modbus-relay"]?.openInput as 0 | 1 | undefined) ?? 1 });
    case "wkly":
      return wklyProtocol({ closedLock: (p.wkly?.closedLock as 0 | 1 | undefined) ?? 1, unlockReply: opts.unlockReply });
  }
}
