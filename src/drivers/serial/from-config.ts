/**
 * Building a board lock bank from the configuration and the layout: the wiring and the serial
 * settings are checked together and every problem is listed in one ConfigError.
 */
import type { BankLayout } from "../../config/layout.js";
import { ConfigError } from "../../config/errors.js";
import type { ResolvedConfig } from "../../config/load.js";
import type { Logger } from "../../system/logger.js";
import * as b8a80 from "../board8a80/protocol.js";
import { Board8a80LockBank } from "../board8a80/board8a80-lock-bank.js";
import * as cu16 from "../cu16/protocol.js";
import { Cu16LockBank } from "../cu16/cu16-lock-bank.js";
import { ModbusRelayLockBank } from "../modbus-relay/modbus-relay-lock-bank.js";
import * as modbus from "../modbus-relay/protocol.js";
import * as wkly from "../wkly/protocol.js";
import { WklyLockBank } from "../wkly/wkly-lock-bank.js";
import type { BoardLockBank } from "./board-bank.js";
import { SerialPortLine, interFrameGapMs, type SerialLine } from "./line.js";
import { mapBoardWiring, type BoardLimits } from "./wiring.js";

export type BoardDriver = "cu16" | "8a80" | "modbus-relay" | "wkly";

export const BOARD_LIMITS: Record<BoardDriver, BoardLimits & { baudRate: number }> = {
  cu16: { protocol: "cu16", minBoard: 0, maxBoard: cu16.MAX_BOARD, channels: cu16.CHANNELS, baudRate: cu16.BAUD_RATE },
  "8a80": { protocol: "8a80", minBoard: b8a80.MIN_BOARD, maxBoard: b8a80.MAX_BOARD, channels: b8a80.CHANNELS, baudRate: b8a80.BAUD_RATE },
  // channels: the most any board has; the bank's own count (hardware["modbus-relay"].channels) is applied below.
  "modbus-relay": { protocol: "modbus-relay", minBoard: modbus.MIN_BOARD, maxBoard: modbus.MAX_BOARD, channels: modbus.MAX_CHANNELS, baudRate: modbus.BAUD_RATE },
  wkly: { protocol: "wkly", minBoard: wkly.MIN_BOARD, maxBoard: wkly.MAX_BOARD, channels: wkly.MAX_CHANNELS, baudRate: wkly.BAUD_RATE },
};

export interface BoardBankDeps {
  log?: Logger | undefined;
  /** A line built by the caller (tests); otherwise serialport on hardware.serial.path. */
  line?: SerialLine;
}

export function createBoardLockBank(protocol: BoardDriver, cfg: ResolvedConfig, layout: BankLayout, deps: BoardBankDeps = {}): BoardLockBank {
  const limits = protocol === "modbus-relay" ? { ...BOARD_LIMITS[protocol], channels: cfg.hardware["modbus-relay"].channels } : BOARD_LIMITS[protocol];
  const serial = cfg.hardware.serial;
  const { wiring, problems } = mapBoardWiring(layout, limits);
  if (!serial.path && !deps.line) problems.unshift(`hardware.serial.path: required when hardware.driver is ${protocol} (the RS-485 adapter, e.g. /dev/serial/by-id/...)`);
  const relay = cfg.hardware["modbus-relay"];
  if (protocol === "modbus-relay" && relay.openInput === undefined) problems.unshift('hardware["modbus-relay"].openInput: required (0 or 1, the door input\'s value when the door is open)');
  if (problems.length) throw new ConfigError(`${cfg.paths.layout} with hardware.driver ${protocol}`, problems);
  const baudRate = serial.baudRate ?? limits.baudRate;
  const common = {
    line: deps.line ?? new SerialPortLine({ path: serial.path!, baudRate }),
    wiring,
    gapMs: interFrameGapMs(baudRate),
    pollMs: serial.pollMs,
    responseTimeoutMs: serial.responseTimeoutMs,
    retries: serial.retries,
    backoffMaxMs: serial.backoffMaxMs,
    log: deps.log,
  };
  switch (protocol) {
    case "cu16":
      return new Cu16LockBank({ ...common, settings: { lockedBit: cfg.hardware.cu16.lockedBit, itemSensors: cfg.hardware.cu16.itemSensors } });
    case "8a80":
      return new Board8a80LockBank({ ...common, settings: { openStatus: cfg.hardware["8a80"].openStatus === "0x11" ? 0x11 : 0x00 } });
    case "modbus-relay":
      return new ModbusRelayLockBank({ ...common, settings: { channels: relay.channels, openInput: relay.openInput! } });
    case "wkly":
      return new WklyLockBank({ ...common, settings: { closedLock: cfg.hardware.wkly.closedLock, unlockReply: cfg.hardware.wkly.unlockReply } });
  }
}
