/**
 * A board driver on one end of a socat pty pair and the board simulator on the other: the real
 * serialport stack in between, nothing about the line faked.
 */
import { parseLayout, type BankLayout } from "../../src/config/layout.js";
import { loadConfig, type ResolvedConfig } from "../../src/config/load.js";
import type { DoorPosition, LockBankListener } from "../../src/drivers/lock-bank.js";
import type { BoardLockBank } from "../../src/drivers/serial/board-bank.js";
import { createBoardLockBank } from "../../src/drivers/serial/from-config.js";
import { BoardBus, type BoardBusOptions } from "../../src/simulator/board-bus.js";
import { openPtyPair, type PtyPair } from "./pty-pair.js";

export interface Recorded {
  doors: [string, DoorPosition][];
  health: { ids: string[]; online: boolean; detail: string }[];
}

export interface Harness {
  pty: PtyPair;
  bus: BoardBus;
  bank: BoardLockBank;
  events: Recorded;
  listener: LockBankListener;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  protocol: "cu16" | "8a80";
  /** [lockerId, board, channel] */
  wiring: [string, number, number][];
  /** Boards present on the simulated bus (default: those in the wiring). */
  boards?: number[];
  person?: BoardBusOptions["person"];
  sim?: Partial<Pick<BoardBusOptions, "lockedBit" | "openStatus">>;
  hardware?: { cu16?: { lockedBit: 0 | 1; itemSensors?: boolean }; "8a80"?: { openStatus: "0x11" | "0x00" } };
  serial?: Partial<ResolvedConfig["hardware"]["serial"]>;
  /** Prepare the simulator before the driver starts. */
  before?: (bus: BoardBus) => void;
  start?: boolean;
}

export function boardLayout(wiring: [string, number, number][]): BankLayout {
  const lockers = wiring.map(([id, board, channel]) => ({ id, size: "S", lock: { board, channel } }));
  return parseLayout({ name: "test-boards", columns: [{ id: "A", lockers }] }, ["S"], "test-layout.json");
}

export function boardConfig(protocol: "cu16" | "8a80", path: string, opts: Pick<HarnessOptions, "serial" | "hardware"> = {}): ResolvedConfig {
  const base = loadConfig({ env: {}, cwd: "/tmp" });
  return {
    ...base,
    hardware: {
      ...base.hardware,
      ...opts.hardware,
      cu16: { ...base.hardware.cu16, ...opts.hardware?.cu16 },
      driver: protocol,
      serial: { ...base.hardware.serial, path, pollMs: 25, responseTimeoutMs: 200, retries: 1, backoffMaxMs: 300, ...opts.serial },
    },
  };
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const pty = await openPtyPair();
  try {
    return await startOn(pty, opts);
  } catch (e) {
    await pty.close();
    throw e;
  }
}

async function startOn(pty: PtyPair, opts: HarnessOptions): Promise<Harness> {
  const boards = opts.boards ?? [...new Set(opts.wiring.map((w) => w[1]))];
  const bus = new BoardBus({
    protocol: opts.protocol,
    device: pty.peer,
    boards,
    person: opts.person ?? { enabled: true, openDelayMs: 60, closeDelayMs: 250 },
    ...opts.sim,
  });
  await bus.start();
  opts.before?.(bus);
  let bank: BoardLockBank;
  try {
    bank = createBoardLockBank(opts.protocol, boardConfig(opts.protocol, pty.device, opts), boardLayout(opts.wiring));
  } catch (e) {
    await bus.stop();
    throw e;
  }
  const events: Recorded = { doors: [], health: [] };
  const listener: LockBankListener = {
    door: (id, pos) => events.doors.push([id, pos]),
    health: (ids, online, detail) => events.health.push({ ids: [...ids], online, detail }),
  };
  if (opts.start !== false) {
    try {
      await bank.start(listener);
    } catch (e) {
      await bank.stop();
      await bus.stop();
      throw e;
    }
  }
  return {
    pty,
    bus,
    bank,
    events,
    listener,
    async stop() {
      try {
        await bank.stop();
        await bus.stop();
      } finally {
        await pty.close();
      }
    },
  };
}
