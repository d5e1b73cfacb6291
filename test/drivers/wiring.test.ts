import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { parseLayout, type BankLayout } from "../../src/config/layout.js";
import { loadConfig } from "../../src/config/load.js";
import { createLockBank } from "../../src/drivers/create.js";
import { BOARD_LIMITS } from "../../src/drivers/serial/from-config.js";
import { mapBoardWiring } from "../../src/drivers/serial/wiring.js";

function layout(lockers: { id: string; lock: Record<string, number> }[]): BankLayout {
  return parseLayout({ name: "t", columns: [{ id: "A", lockers: lockers.map((l) => ({ ...l, size: "S" })) }] }, ["S"], "test-layout.json");
}

describe("board wiring", () => {
  it("maps lockers to board and channel and groups them by board", () => {
    const { wiring, problems } = mapBoardWiring(
      layout([
        { id: "A01", lock: { board: 1, channel: 2 } },
        { id: "A02", lock: { board: 0, channel: 1 } },
        { id: "A03", lock: { board: 1, channel: 1 } },
      ]),
      BOARD_LIMITS.cu16,
    );
    expect(problems).toEqual([]);
    expect(wiring.byLocker.get("A01")).toEqual({ lockerId: "A01", board: 1, channel: 2 });
    expect([...wiring.boards.keys()]).toEqual([0, 1]);
    expect(wiring.boards.get(1)!.map((w) => w.lockerId)).toEqual(["A01", "A03"]);
  });

  it("lists every problem at once: channel used twice, missing board/channel, out-of-range board and channel", () => {
    const { problems } = mapBoardWiring(
      layout([
        { id: "A01", lock: { board: 0, channel: 3 } },
        { id: "A02", lock: { board: 0, channel: 3 } },
        { id: "A03", lock: { channel: 4 } },
        { id: "A04", lock: { board: 0 } },
        { id: "A05", lock: { board: 10, channel: 1 } },
        { id: "A06", lock: { board: 1, channel: 17 } },
        { id: "A07", lock: {} },
      ]),
      BOARD_LIMITS.cu16,
    );
    expect(problems).toEqual([
      "locker A02: board 0 channel 3 is already used by locker A01",
      "locker A03: no lock.board (the cu16 board address it is wired to)",
      "locker A04: no lock.channel (the lock output it is wired to, 1-16)",
      "locker A05: lock.board 10 is out of range for cu16 boards (0-9)",
      "locker A06: lock.channel 17 is out of range for cu16 boards (1-16)",
      "locker A07: no lock.board (the cu16 board address it is wired to)",
      "locker A07: no lock.channel (the lock output it is wired to, 1-16)",
    ]);
  });

  it("applies the 0x8A/0x80 limits: boards 1-31, channels 1-24", () => {
    const { problems } = mapBoardWiring(
      layout([
        { id: "A01", lock: { board: 0, channel: 1 } },
        { id: "A02", lock: { board: 31, channel: 24 } },
        { id: "A03", lock: { board: 32, channel: 25 } },
      ]),
      BOARD_LIMITS["8a80"],
    );
    expect(problems).toEqual([
      "locker A01: lock.board 0 is out of range for 8a80 boards (1-31)",
      "locker A03: lock.board 32 is out of range for 8a80 boards (1-31)",
      "locker A03: lock.channel 25 is out of range for 8a80 boards (1-24)",
    ]);
  });

  it("refuses to build a board driver from a bad wiring or without a serial path, as one ConfigError", () => {
    const cfg = loadConfig({ env: {}, cwd: "/tmp" });
    const bad = layout([
      { id: "A01", lock: { board: 0, channel: 1 } },
      { id: "A02", lock: { board: 0, channel: 1 } },
    ]);
    let err: unknown;
    try {
      createLockBank({ ...cfg, hardware: { ...cfg.hardware, driver: "8a80" } }, bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      "hardware.serial.path: required when hardware.driver is 8a80 (the RS-485 adapter, e.g. /dev/serial/by-id/...)",
      "locker A01: lock.board 0 is out of range for 8a80 boards (1-31)",
      "locker A02: lock.board 0 is out of range for 8a80 boards (1-31)",
    ]);
  });
});

describe("board configuration", () => {
  it("accepts the board drivers with defaults per protocol and rejects bad settings with their paths", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "lockerd-boards-cfg-"));
    try {
      const good = join(dir, "good.json");
      writeFileSync(good, JSON.stringify({ hardware: { driver: "cu16", serial: { path: "/dev/ttyUSB0" }, cu16: { lockedBit: 0 } } }));
      const cfg = loadConfig({ path: good, env: {} });
      expect(cfg.hardware.driver).toBe("cu16");
      expect(cfg.hardware.serial).toMatchObject({ path: "/dev/ttyUSB0", pollMs: 300, responseTimeoutMs: 250, retries: 2 });
      expect(cfg.hardware.serial.baudRate).toBeUndefined();
      expect(cfg.hardware.cu16.lockedBit).toBe(0);
      expect(cfg.hardware["8a80"].openStatus).toBe("0x11");

      const bad = join(dir, "bad.json");
      writeFileSync(bad, JSON.stringify({ hardware: { driver: "8a80", serial: { baudRate: 12345, retries: -1 }, "8a80": { openStatus: "0x22" } } }));
      let err: unknown;
      try {
        loadConfig({ path: bad, env: {} });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const paths = (err as ConfigError).problems.map((p) => p.split(":")[0]);
      expect(paths).toEqual(expect.arrayContaining(["hardware.serial.baudRate", "hardware.serial.retries", "hardware.8a80.openStatus"]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
