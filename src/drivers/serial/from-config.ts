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
import type { BoardLockBank } from "./board-bank.js";
import { SerialPortLine, interFrameGapMs, type SerialLine } from "./line.js";
import { mapBoardWiring, type BoardLimits } from "./wiring.js";

export const BOARD_LIMITS: Record<"cu16" | "8a80", BoardLimits & { baudRate: number }> = {
  cu16: { protocol: "cu16", minBoard: 0, maxBoard: cu16.MAX_BOARD, channels: cu16.CHANNELS, baudRate: cu16.BAUD_RATE },
  "8a80": { protocol: "8a80", minBoard: b8a80.MIN_BOARD, maxBoard: b8a80.MAX_BOARD, channels: b8a80.CHANNELS, baudRate: b8a80.BAUD_RATE },
};

export interface BoardBankDeps {
  log?: Logger | undefined;
  /** A line built by the caller (tests); otherwise serialport on hardware.serial.path. */
  line?: SerialLine;
}

export function createBoardLockBank(protocol: "cu16" | "8a80", cfg: ResolvedConfig, layout: BankLayout, deps: BoardBankDeps = {}): BoardLockBank {
  const limits = BOARD_LIMITS[protocol];
  const serial = cfg.hardware.serial;
  const { wiring, problems } = mapBoardWiring(layout, limits);
  if (!serial.path && !deps.line) problems.unshift(`hardware.serial.path: required when hardware.driver is ${protocol} (the RS-485 adapter, e.g. /dev/serial/by-id/...)`);
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
  return protocol === "cu16"
    ? new Cu16LockBank({ ...common, settings: { lockedBit: cfg.hardware.cu16.lockedBit, itemSensors: cfg.hardware.cu16.itemSensors } })
    : new Board8a80LockBank({ ...common, settings: { openStatus: cfg.hardware["8a80"].openStatus === "0x11" ? 0x11 : 0x00 } });
}
