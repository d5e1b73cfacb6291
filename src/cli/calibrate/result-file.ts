/**
 * calibrate, step 4: the result as files the technician can review. The configuration is the
 * one lockerctl was given (or a new one) with the hardware keys calibrate learned; the layout is
 * the one checked, or one written from the boards found. A file is written to a temporary name,
 * loaded back exactly as lockerd loads it (configuration and wiring), and only then renamed into
 * place; an existing file is replaced only when the technician says so (or --force).
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { loadLayout, type BankLayout } from "../../config/layout.js";
import { loadConfig } from "../../config/load.js";
import { ConfigError } from "../../config/errors.js";
import type { Polarity } from "../../drivers/serial/dialects.js";
import { BOARD_LIMITS, type BoardDriver } from "../../drivers/serial/from-config.js";
import { mapBoardWiring } from "../../drivers/serial/wiring.js";
import type { FoundBoard } from "../../drivers/serial/probe.js";
import type { Session } from "./session.js";

export interface Calibration {
  driver: BoardDriver;
  port: string;
  baudRate: number;
  polarity: Polarity;
  /** Modbus relay boards: relays and inputs per board. */
  channels?: number | undefined;
  layoutPath: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

/** The configuration file as written (no defaults filled in), or {} without one. It loaded, so it is JSON. */
export function readRawConfig(path: string | null): Obj {
  return path ? obj(JSON.parse(readFileSync(path, "utf8"))) : {};
}

/** The configuration file's content with calibrate's keys set (everything else kept as written). */
export function calibratedConfig(raw: Obj, c: Calibration): Obj {
  const hardware = obj(raw.hardware);
  const serial: Obj = { ...obj(hardware.serial), path: c.port };
  if (c.baudRate !== BOARD_LIMITS[c.driver].baudRate) serial.baudRate = c.baudRate;
  else delete serial.baudRate;
  const [key, value] = Object.entries(c.polarity)[0]! as [string, Obj];
  const driverKeys: Obj = { ...obj(hardware[key]), ...value };
  if (c.driver === "modbus-relay" && c.channels !== undefined) driverKeys.channels = c.channels;
  return { ...raw, bank: { ...obj(raw.bank), layout: c.layoutPath }, hardware: { ...hardware, driver: c.driver, serial, [key]: driverKeys } };
}

/** One column per board (A, B, ...), a locker per channel, all of the smallest size. */
export function layoutFromBoards(boards: readonly FoundBoard[], size: string): Obj {
  return {
    name: "calibrated",
    description: "written by lockerctl calibrate from the boards that answered: one column per board, one locker per channel; edit ids and sizes to match the bank",
    columns: boards.slice(0, 26).map((b, i) => {
      const letter = String.fromCharCode(65 + i);
      return { id: letter, lockers: Array.from({ length: b.channels }, (_, ch) => ({ id: `${letter}${String(ch + 1).padStart(2, "0")}`, size, lock: { board: b.board, channel: ch + 1 } })) };
    }),
  };
}

/** Whether `path` may be written: new, --force, or the technician says so. */
export async function mayWrite(s: Session, path: string, force: boolean): Promise<boolean> {
  if (!existsSync(path) || force) return true;
  return s.yesNo(`${path} exists: replace it?`, false);
}

/** Write `content` to path through a temporary file that `check` accepts first. */
export function writeChecked(path: string, content: Obj, check: (tmp: string) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(content, null, 2) + "\n", { mode: 0o640 });
  try {
    check(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The written configuration as lockerd would load it: the schema, the layout, the wiring for the driver. */
export function checkConfigFile(tmp: string, driver: BoardDriver): void {
  const cfg = loadConfig({ path: tmp, env: {} });
  const layout: BankLayout = loadLayout(cfg.paths.layout, cfg.bank.sizes);
  const limits = driver === "modbus-relay" ? { ...BOARD_LIMITS[driver], channels: cfg.hardware["modbus-relay"].channels } : BOARD_LIMITS[driver];
  const { problems } = mapBoardWiring(layout, limits);
  if (problems.length) throw new ConfigError(cfg.paths.layout, problems);
}
