/** The CLI's pure pieces: exit-code table, code scrubbing, SSE parsing, the guessing bound. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/basics/errors.js";
import { checkBruteForce, checkItemsLeftBehind } from "../../src/cli/doctor/bank-checks.js";
import { loadConfig, type ResolvedConfig } from "../../src/config/load.js";
import { devicePaths } from "../../src/cli/doctor/check.js";
import { checkBoards, checkGpio, checkInput, checkSerial } from "../../src/cli/doctor/hardware-checks.js";
import { EXIT, EXIT_HELP, exitForErrorCode } from "../../src/cli/exit-codes.js";
import { parseSse } from "../../src/cli/follow.js";
import { CELL_WIDTH, cell, columnsOf, drawGrid } from "../../src/cli/grid.js";
import { Output, scrub, visibleLength } from "../../src/cli/output.js";
import type { LockerView } from "../../src/cli/views.js";

describe("exit codes", () => {
  it("map every daemon error code, and unknown codes to 1", () => {
    for (const code of Object.keys(ERROR_CODES)) expect(EXIT_HELP).toContain(String(exitForErrorCode(code)));
    expect(exitForErrorCode("LOCKER_OCCUPIED")).toBe(EXIT.FAILED);
    expect(exitForErrorCode("DOOR_UNAVAILABLE")).toBe(69);
    expect(exitForErrorCode("FORBIDDEN")).toBe(5);
    expect(exitForErrorCode("LOCKER_NOT_FOUND")).toBe(4);
    expect(exitForErrorCode("SOMETHING_NEW")).toBe(1);
  });
});

describe("scrub", () => {
  it("drops pickup codes, hashes and tokens anywhere, keeps error codes", () => {
    const input = { a: { pickupCode: "12345678", code: "87654321", keep: 1 }, list: [{ codeHash: "x", token: "t" }], error: { code: "LOCKER_OCCUPIED" } };
    expect(scrub(input)).toEqual({ a: { keep: 1 }, list: [{}], error: { code: "LOCKER_OCCUPIED" } });
  });
});

describe("parseSse", () => {
  it("reads a stored event and a transient door position, skips keep-alives", () => {
    const e = parseSse('id: 7\nevent: door.opened\ndata: {"seq":7,"type":"door.opened","at":"2026-01-01T00:00:00.000Z","lockerId":"A01","parcelId":null,"data":{}}');
    expect(e).toMatchObject({ seq: 7, type: "door.opened", lockerId: "A01" });
    expect(parseSse('event: door.position\ndata: {"lockerId":"B02","position":"open"}')).toMatchObject({ seq: null, type: "door.position", lockerId: "B02", data: { position: "open" } });
    expect(parseSse(": keep-alive")).toBeNull();
  });
});

describe("doctor's brute-force bound", () => {
  const cfgWith = (over: Record<string, unknown>) => ({ ...loadConfig({ env: {} }), ...over }) as ResolvedConfig;

  it("computes the daemon's own bound from the live configuration", () => {
    const base = loadConfig({ env: {} });
    const eight = checkBruteForce(base, 24);
    expect(eight.status).toBe("pass");
    expect(eight.detail).toMatch(/^8-digit codes, all 24 lockers full: .*1 attempt source\(s\), each allowed [\d,]+ failed guesses a year .*→ .*% chance .*\(limit 1\.0%\)$/);
    // Six digits and a full 100-locker bank: over the 1% limit.
    const six = checkBruteForce(cfgWith({ codes: { digits: 6 } }), 100);
    expect(six.status).toBe("fail");
    expect(six.hint).toMatch(/codes\.digits/);
    const allowed = checkBruteForce(cfgWith({ codes: { digits: 6 }, limiter: { ...base.limiter, allowWeakCodes: true } }), 100);
    expect(allowed.status).toBe("warn");
  });
});

describe("helpers", () => {
  it("finds device paths in driver settings", () => {
    expect(devicePaths({ port: "/dev/ttyUSB0", boards: [{ path: "/dev/serial/by-id/x" }], baud: 9600 })).toEqual([
      { key: "port", path: "/dev/ttyUSB0" },
      { key: "boards[0].path", path: "/dev/serial/by-id/x" },
    ]);
  });

  it("groups lockers by their id's letter when there is no layout", () => {
    const l = (id: string) => ({ id, size: "S", status: "AVAILABLE" as const, serviceReason: null, door: "closed", parcelId: null });
    expect(columnsOf(null, [l("A01"), l("A02"), l("B01")])).toEqual([
      { id: "A", lockers: ["A01", "A02"] },
      { id: "B", lockers: ["B01"] },
    ]);
  });
});

describe("doctor's hardware checks", () => {
  it("finds the GPIO chip base in a sysfs tree, and fails without one", () => {
    const dir = mkdtempSync(join(tmpdir(), "gpio-"));
    try {
      expect(checkGpio("gpio", join(dir, "missing")).status).toBe("fail");
      writeFileSync(join(dir, "export"), "");
      for (const [name, base, label] of [["gpiochip512", "512", "pinctrl-bcm2711"], ["gpiochip570", "570", "raspberrypi-exp-gpio"]] as const) {
        mkdirSync(join(dir, name));
        writeFileSync(join(dir, name, "base"), `${base}\n`);
        writeFileSync(join(dir, name, "label"), `${label}\n`);
        writeFileSync(join(dir, name, "ngpio"), "58\n");
      }
      const r = checkGpio("gpio", dir);
      expect(r.status).toBe("pass");
      expect(r.detail).toContain('gpiochip512 "pinctrl-bcm2711" base 512');
      expect(checkGpio("sim", dir).status).toBe("info");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks the configured serial ports and input devices exist", () => {
    expect(checkSerial("cu16", { cu16: { port: "/dev/null" } }).status).toBe("pass");
    const missing = checkSerial("8a80", { "8a80": { boards: [{ path: "/dev/ttyNOPE0" }] } });
    expect(missing.status).toBe("fail");
    expect(missing.detail).toContain("/dev/ttyNOPE0 (boards[0].path)");
    expect(checkSerial("sim", {}).status).toBe("info");
    const input = checkInput({ keypad: { path: "/dev/null" }, scanner: { path: "/dev/ttyACM-missing" } });
    expect(input.map((c) => [c.id, c.status])).toEqual([
      ["input.keypad", "pass"],
      ["input.scanner", "fail"],
    ]);
    expect(checkInput(undefined)[0]!.status).toBe("info");
  });

  it("fails the boards check for lockers the daemon reports offline", () => {
    expect(checkBoards("cu16", ["A01", "A02"], true)).toMatchObject({ status: "fail", detail: "no answer for lockers A01, A02" });
    expect(checkBoards("cu16", [], true).status).toBe("pass");
    expect(checkBoards("cu16", null, false).status).toBe("warn");
  });
});

describe("IR 'item present' sensors in the CLI", () => {
  const locker = (id: string, status: LockerView["status"], itemPresent: boolean | null | undefined): LockerView => ({ id, size: "S", status, serviceReason: null, door: "closed", parcelId: null, ...(itemPresent === undefined ? {} : { itemPresent }) });

  it("doctor warns of a free locker whose sensor sees an item, passes when every free one is empty", () => {
    const left = checkItemsLeftBehind([locker("A01", "AVAILABLE", true), locker("A02", "OCCUPIED", true), locker("A03", "AVAILABLE", false)]);
    expect(left).toMatchObject({ status: "warn" });
    expect(left.detail).toMatch(/free but not empty: A01 /);
    expect(checkItemsLeftBehind([locker("A02", "OCCUPIED", true), locker("A03", "AVAILABLE", false)])).toMatchObject({ status: "pass" });
    expect(checkItemsLeftBehind([locker("A01", "AVAILABLE", null)])).toMatchObject({ status: "info" });
    expect(checkItemsLeftBehind(null)).toMatchObject({ status: "info" });
  });

  it("the grid marks an item inside with + and keeps the cell within its width", () => {
    const out = new Output({ color: false, json: false, stdout: process.stdout, stderr: process.stderr });
    const lockers = [locker("A01", "AVAILABLE", true), locker("A02", "AVAILABLE", false), locker("A03", "OCCUPIED", null)];
    const lines = drawGrid(out, null, lockers);
    expect(lines[2]).toBe("A01 S  free closed+");
    expect(lines[3]).toBe("A02 S  free closed");
    expect(lines.at(-1)).toMatch(/^\+ = the IR sensor sees an item inside/);
    expect(visibleLength(cell(out, lockers[0]!))).toBeLessThanOrEqual(CELL_WIDTH);
  });
});
