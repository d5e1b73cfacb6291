/**
 * The serial adapter is unplugged and plugged back in: the device path (a udev symlink on a real
 * bank, socat's link= here) disappears and a new pty appears behind the same path. The driver
 * reports every board offline, retries with backoff, and resumes on the new line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import type { DoorPosition } from "../../src/drivers/lock-bank.js";
import type { BoardLockBank } from "../../src/drivers/serial/board-bank.js";
import { hex } from "../../src/drivers/serial/checksum.js";
import { createBoardLockBank } from "../../src/drivers/serial/from-config.js";
import { BoardBus } from "../../src/simulator/board-bus.js";
import { openPtyPair } from "../support/pty-pair.js";
import { boardConfig, boardLayout } from "../support/board-harness.js";
import { waitFor } from "../support/wait-for.js";

const WIRING: [string, number, number][] = [
  ["A01", 0, 1],
  ["A02", 0, 2],
  ["A04", 1, 1],
  ["A05", 1, 2],
];
const NO_PERSON = { enabled: false, openDelayMs: 1, closeDelayMs: 1 };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

it("resumes on a new pty that appears at the same path after the old one vanished", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-line-reopen-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const first = await openPtyPair(dir, "rs485");
  cleanups.push(() => first.close());
  const bus1 = new BoardBus({ protocol: "cu16", device: first.peer, boards: [0, 1], person: NO_PERSON });
  await bus1.start();
  cleanups.push(() => bus1.stop());

  const bank: BoardLockBank = createBoardLockBank("cu16", boardConfig("cu16", first.device), boardLayout(WIRING));
  const doors: [string, DoorPosition][] = [];
  const health: { ids: string[]; online: boolean }[] = [];
  await bank.start({ door: (id, pos) => doors.push([id, pos]), health: (ids, online) => health.push({ ids: [...ids], online }) });
  cleanups.push(() => bank.stop());
  expect(bank.offline().size).toBe(0);

  // Unplugged: the pty pair and its links vanish.
  await bus1.stop();
  await first.close();
  await waitFor("every locker offline", () => bank.offline().size === WIRING.length);
  expect(health.filter((h) => !h.online).flatMap((h) => h.ids).sort()).toEqual(["A01", "A02", "A04", "A05"]);
  await expect(bank.unlock("A01", 500)).rejects.toThrow(/offline/);

  // Plugged back in: a new pty at the same path, the boards behind it. A door opened meanwhile.
  const second = await openPtyPair(dir, "rs485");
  cleanups.push(() => second.close());
  expect(second.device).toBe(first.device);
  const bus2 = new BoardBus({ protocol: "cu16", device: second.peer, boards: [0, 1], person: NO_PERSON });
  await bus2.start();
  cleanups.push(() => bus2.stop());
  bus2.board(1).setDoor(2, true);

  await waitFor("every locker back", () => bank.offline().size === 0, 15_000);
  expect(health.filter((h) => h.online).flatMap((h) => h.ids).sort()).toEqual(["A01", "A02", "A04", "A05"]);
  expect(doors).toEqual([["A05", "open"]]);
  await bank.unlock("A01", 500);
  expect(bus2.received.map(hex)).toContain("02 00 31 03 36");
  expect(bus2.board(0).unlocks).toEqual([1]);
});
