/**
 * The board driver against a REAL board, when a variable names its serial port; skipped
 * otherwise (the test's name says how to run it). Read-only unless LOCKERD_TEST_BOARD_UNLOCK
 * names one channel to pulse. For a technician with the first bank of a new board model:
 *
 *   LOCKERD_TEST_BOARD_PORT=/dev/serial/by-id/usb-FTDI_...  \
 *   LOCKERD_TEST_BOARD_DRIVER=modbus-relay LOCKERD_TEST_BOARD_ADDRESS=1 \
 *   LOCKERD_TEST_BOARD_CHANNELS=8 LOCKERD_TEST_BOARD_POLARITY=1 \
 *   [LOCKERD_TEST_BOARD_UNLOCK=3] [LOCKERD_TEST_BOARD_BAUD=9600] npx vitest run test/drivers/real-board.test.ts
 *
 * POLARITY is the driver's polarity setting: cu16.lockedBit, modbus-relay.openInput,
 * wkly.closedLock (0 or 1), or 8a80.openStatus (0x11 or 0x00). With every door shut, every door
 * must read closed; if all read open, the polarity is the other one (`lockerctl calibrate` learns
 * it). LOCKERD_TEST_BOARD_NEIGHBOUR=1 when another board answers at ADDRESS + 1.
 */
import { describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../../src/config/load.js";
import type { DoorPosition } from "../../src/drivers/lock-bank.js";
import { dialectProtocol } from "../../src/drivers/serial/dialects.js";
import { createBoardLockBank, type BoardDriver } from "../../src/drivers/serial/from-config.js";
import { BoardLine } from "../../src/drivers/serial/probe.js";
import { boardConfig, boardLayout } from "../support/board-harness.js";

const env = process.env;
const PORT = env.LOCKERD_TEST_BOARD_PORT;
const DRIVER = (env.LOCKERD_TEST_BOARD_DRIVER ?? "") as BoardDriver;
const ADDRESS = Number(env.LOCKERD_TEST_BOARD_ADDRESS ?? NaN);
const CHANNELS = Number(env.LOCKERD_TEST_BOARD_CHANNELS ?? (DRIVER === "cu16" ? 16 : DRIVER === "modbus-relay" ? 8 : 24));
const POLARITY = env.LOCKERD_TEST_BOARD_POLARITY;
const UNLOCK = env.LOCKERD_TEST_BOARD_UNLOCK === undefined ? null : Number(env.LOCKERD_TEST_BOARD_UNLOCK);

function config(): ResolvedConfig {
  if (!["cu16", "8a80", "modbus-relay", "wkly"].includes(DRIVER)) throw new Error(`LOCKERD_TEST_BOARD_DRIVER must be cu16, 8a80, modbus-relay or wkly (found "${DRIVER}")`);
  if (!Number.isInteger(ADDRESS)) throw new Error("LOCKERD_TEST_BOARD_ADDRESS must name the board's address");
  if (POLARITY === undefined) throw new Error("LOCKERD_TEST_BOARD_POLARITY must be given (the driver's polarity setting; never guessed)");
  const bit = Number(POLARITY) as 0 | 1;
  const cfg = boardConfig(DRIVER, PORT!, {
    serial: { pollMs: 300, responseTimeoutMs: 500, retries: 2, backoffMaxMs: 5000, ...(env.LOCKERD_TEST_BOARD_BAUD ? { baudRate: Number(env.LOCKERD_TEST_BOARD_BAUD) as 9600 } : {}) },
    hardware: {
      cu16: { lockedBit: bit },
      "8a80": { openStatus: POLARITY === "0x00" ? "0x00" : "0x11" },
      "modbus-relay": { channels: CHANNELS, openInput: bit },
      wkly: { closedLock: bit, unlockReply: env.LOCKERD_TEST_BOARD_SILENT_UNLOCK ? "silent" : "answered" },
    },
  });
  return cfg;
}

const wiring = (): [string, number, number][] => Array.from({ length: CHANNELS }, (_, i) => [`T${String(i + 1).padStart(2, "0")}`, ADDRESS, i + 1]);

describe.skipIf(!PORT)("a real lock board named by LOCKERD_TEST_BOARD_PORT (skipped unless it is set: see this file's header)", () => {
  it("the board answers, and every channel reads open or closed", async () => {
    const bank = createBoardLockBank(DRIVER, config(), boardLayout(wiring()));
    const health: string[] = [];
    try {
      await bank.start({ door: () => undefined, health: (_ids, online, detail) => health.push(`${online ? "online" : "offline"}: ${detail}`) });
      expect(health, "the board did not answer").toEqual([]);
      const doors = Object.fromEntries(bank.doors()) as Record<string, DoorPosition>;
      console.log(`real ${DRIVER} board ${ADDRESS} on ${PORT}: ${JSON.stringify(doors)}; line ${JSON.stringify(bank.lineStats())}`);
      expect(Object.values(doors).filter((d) => d === "unknown")).toEqual([]);
      expect(bank.lineStats().badChecksum).toBe(0);
    } finally {
      await bank.stop();
    }
  });

  it("lockerctl calibrate's probe finds it at its address (its read command only) and nothing at the next address", async () => {
    config();
    const line = new BoardLine({
      driver: DRIVER,
      protocol: dialectProtocol(DRIVER, { channels: CHANNELS, unlockReply: env.LOCKERD_TEST_BOARD_SILENT_UNLOCK ? "silent" : "answered" }),
      path: PORT!,
      baudRate: env.LOCKERD_TEST_BOARD_BAUD ? Number(env.LOCKERD_TEST_BOARD_BAUD) : undefined,
      responseTimeoutMs: 300,
    });
    await line.open();
    try {
      const found = await line.probe(ADDRESS);
      console.log(`calibrate probe of ${DRIVER} address ${ADDRESS}: ${JSON.stringify(found)}`);
      expect(found).toMatchObject({ board: ADDRESS, refused: null });
      // A second board at ADDRESS + 1 would answer too; a bus with one board must not.
      if (!env.LOCKERD_TEST_BOARD_NEIGHBOUR) expect(await line.probe(ADDRESS + 1)).toBeNull();
    } finally {
      await line.close();
    }
  });

  it.skipIf(UNLOCK === null)("pulses LOCKERD_TEST_BOARD_UNLOCK once; the board takes it", async () => {
    const bank = createBoardLockBank(DRIVER, config(), boardLayout(wiring()));
    const opened: string[] = [];
    try {
      await bank.start({ door: (id, pos) => opened.push(`${id} ${pos}`), health: () => undefined });
      await bank.unlock(`T${String(UNLOCK).padStart(2, "0")}`, 500);
      await new Promise((r) => setTimeout(r, 3000));
      console.log(`door changes within 3 s of the pulse: ${JSON.stringify(opened)}`);
    } finally {
      await bank.stop();
    }
  });
});
