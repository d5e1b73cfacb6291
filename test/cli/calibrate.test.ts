/**
 * lockerctl calibrate against the board simulator over a socat pty, the test playing the
 * technician: each dialect is found by probing with read commands only (checked on the frames
 * the simulated boards received), the polarity is learned both ways, a miswired lock is named,
 * an interruption leaves every output off, and the written file loads as lockerd loads it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadLayout } from "../../src/config/layout.js";
import { loadConfig } from "../../src/config/load.js";
import * as b8a80 from "../../src/drivers/board8a80/protocol.js";
import * as cu16 from "../../src/drivers/cu16/protocol.js";
import * as modbus from "../../src/drivers/modbus-relay/protocol.js";
import * as wkly from "../../src/drivers/wkly/protocol.js";
import type { SimProtocol } from "../../src/simulator/responders.js";
import { layoutFile, startRig, type Conversation, type Rig } from "../support/calibrate-run.js";
import { Bank, until } from "./harness.js";

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.stop();
  rig = null;
});

/** Every frame a simulated board read is its dialect's read command: nothing that could open a lock. */
function onlyReads(protocol: SimProtocol, frames: readonly Buffer[]): void {
  for (const f of frames) {
    switch (protocol) {
      case "cu16":
        expect(cu16.parseCommand(f)?.cmd, f.toString("hex")).toBe(cu16.CMD.status);
        break;
      case "8a80":
        expect(b8a80.parseCommand(f)?.op, f.toString("hex")).toBe(b8a80.OP_QUERY);
        break;
      case "modbus-relay":
        expect(modbus.parseCommand(f)?.kind, f.toString("hex")).toBe("read-inputs");
        break;
      case "wkly":
        expect(wkly.parseCommand(f)?.cmd, f.toString("hex")).toBe(wkly.CMD.readAll);
        break;
    }
  }
}

/** The polarity step: every door shut, one opened, closed again. */
async function teachPolarity(c: Conversation, rig: Rig, board: number, channel: number): Promise<void> {
  await c.until(/Close EVERY door/);
  c.answer("");
  await c.until(/open ONE door/);
  rig.bus.board(board).setDoor(channel, true);
  c.answer("");
  await c.until(new RegExp(`board ${board} channel ${channel}\\. Close it again`));
  rig.bus.board(board).setDoor(channel, false);
  c.answer("");
}

// A few addresses, and a wait long enough for a loaded machine (the default is 150 ms).
const FAST = ["--addresses", "0-3", "--probe-timeout", "300"];

// Each test starts lockerctl (tsx) and talks to it over a pty: slow on a loaded machine.
describe("lockerctl calibrate against simulated boards over a pty", { timeout: 120_000 }, () => {
  it.each([
    ["0x11", 0x11],
    ["0x00", 0x00],
  ] as const)("finds a 0x8A/0x80 board with reads only, learns openStatus %s, checks each lock and writes a configuration that loads", async (expected, openStatus) => {
    rig = await startRig("8a80", { boards: [2], openStatus });
    const layout = layoutFile(rig.dir, [
      ["A01", 2, 1],
      ["A02", 2, 2],
      ["A03", 2, 3],
    ]);
    const out = join(rig.dir, "calibrated.json");
    const c = rig.start([...FAST, "--layout", layout, "--out", out]);
    await c.until(/found 8a80 boards 2 \(24 channels\)/);
    onlyReads("8a80", rig.bus.received);
    expect(rig.bus.board(2).unlocks).toEqual([]);
    await teachPolarity(c, rig, 2, 5);
    await c.until(new RegExp(`8a80\\.openStatus = ${expected}`));
    for (const id of ["A01", "A02", "A03"]) {
      await c.until(new RegExp(`Did the door of ${id} open\\?`));
      c.answer("y");
    }
    const r = await c.finished();
    expect(r.code, r.stderr).toBe(0);
    expect(rig.bus.board(2).unlocks).toEqual([1, 2, 3]);
    expect(r.stdout).toMatch(/3 of 3 locks checked out/);
    const cfg = loadConfig({ path: out, env: {} });
    expect(cfg.hardware.driver).toBe("8a80");
    expect(cfg.hardware["8a80"].openStatus).toBe(expected);
    expect(cfg.hardware.serial.path).toBe(rig.pty.device);
    expect(loadLayout(cfg.paths.layout, cfg.bank.sizes).lockers.map((l) => l.id)).toEqual(["A01", "A02", "A03"]);
  });

  it("finds CU16 boards, learns lockedBit 0, writes a layout from the boards found (--channels of each) and asks once per board", async () => {
    rig = await startRig("cu16", { boards: [0, 1], lockedBit: 0, channels: 16 });
    const out = join(rig.dir, "bank.json");
    const c = rig.start([...FAST, "--driver", "cu16", "--out", out, "--confirm", "board", "--wait", "2", "--channels", "6"]);
    await c.until(/found cu16 boards 0 \(6 channels\), 1 \(6 channels\)/);
    onlyReads("cu16", rig.bus.received);
    await teachPolarity(c, rig, 1, 16);
    await c.until(/cu16\.lockedBit = 0/);
    await c.until(/Board 0: did the doors A01, A02, A03, A04, A05, A06 each open/);
    c.answer("y");
    await c.until(/Board 1: did the doors B01, B02, B03, B04, B05, B06 each open/);
    c.answer("y");
    const r = await c.finished();
    expect(r.code, r.stderr).toBe(0);
    expect(rig.bus.board(0).unlocks).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rig.bus.board(1).unlocks).toEqual([1, 2, 3, 4, 5, 6]);
    const cfg = loadConfig({ path: out, env: {} });
    expect(cfg.hardware.cu16.lockedBit).toBe(0);
    expect(cfg.paths.layout).toBe(join(rig.dir, "bank.layout.json"));
    const layout = loadLayout(cfg.paths.layout, cfg.bank.sizes);
    expect(layout.lockers).toHaveLength(12);
    expect(layout.lockers[7]).toEqual({ id: "B02", size: "S", lock: { board: 1, channel: 2 } });
  });

  it("finds a Modbus relay board, learns openInput 0, and keeps the rest of the configuration file as it was", async () => {
    rig = await startRig("modbus-relay", { boards: [3], openInput: 0 }, { bank: { id: "dock-4" }, doors: { pulseMs: 700 } });
    const layout = layoutFile(rig.dir, [["A01", 3, 8]]);
    const out = join(rig.dir, "out.json");
    const c = rig.start([...FAST, "--layout", layout, "--out", out]);
    await c.until(/found modbus-relay boards 3 \(8 channels\)/);
    onlyReads("modbus-relay", rig.bus.received);
    await teachPolarity(c, rig, 3, 4);
    await c.until(/modbus-relay\.openInput = 0/);
    await c.until(/Did the door of A01 open\?/);
    c.answer("y");
    const r = await c.finished();
    expect(r.code, r.stderr).toBe(0);
    expect(rig.bus.board(3).pulses).toEqual([{ channel: 8, ms: 700 }]);
    const cfg = loadConfig({ path: out, env: {} });
    expect(cfg.hardware["modbus-relay"]).toEqual({ channels: 8, openInput: 0 });
    expect(cfg.bank.id).toBe("dock-4");
    expect(cfg.doors.pulseMs).toBe(700);
  });

  it("names a miswired lock: pulsing WKLY channel 2 opens the door read on channel 3", async () => {
    rig = await startRig("wkly", {
      boards: [1],
      onChange: (ch) => {
        // The lock wire of channel 2 goes to the door whose sensor is on channel 3.
        if (ch.kind === "unlock" && ch.channel === 2) setTimeout(() => rig?.bus.board(1).setDoor(3, true), 40);
      },
    });
    rig.bus.board(1).jammed.add(2);
    const layout = layoutFile(rig.dir, [
      ["A01", 1, 1],
      ["A02", 1, 2],
    ]);
    const out = join(rig.dir, "out.json");
    const c = rig.start([...FAST, "--layout", layout, "--out", out, "--json", "--wait", "2"]);
    await c.until(/found wkly boards 1 \(24 channels\)/);
    onlyReads("wkly", rig.bus.received);
    await teachPolarity(c, rig, 1, 9);
    await c.until(/wkly\.closedLock = 1/);
    await c.until(/Did the door of A01 open\?/);
    c.answer("y");
    await c.until(/Did the door of A02 open\?/);
    c.answer("n");
    const r = await c.finished();
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; results: { lockerId: string; verdict: string; detail: string }[]; written: string };
    expect(report.ok).toBe(false);
    expect(report.results.map((x) => [x.lockerId, x.verdict])).toEqual([
      ["A01", "ok"],
      ["A02", "miswired"],
    ]);
    expect(report.results[1]!.detail).toMatch(/pulsing board 1 channel 2 opened the door read on board 1 channel 3/);
    // The polarity and boards are right; the file is written for review, the exit says the wiring is not.
    expect(loadConfig({ path: out, env: {} }).hardware.wkly.closedLock).toBe(1);
  });

  it("a lock that does not open, a door whose sensor does not see it and a board that is not there are told apart", async () => {
    rig = await startRig("cu16", { boards: [0], person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    const layout = layoutFile(rig.dir, [
      ["A01", 0, 1],
      ["A02", 0, 2],
      ["A03", 2, 1],
    ]);
    // No --out: the file goes beside the configuration it was made from.
    const c = rig.start([...FAST, "--driver", "cu16", "--polarity", "1", "--layout", layout, "--json", "--wait", "1"]);
    await c.until(/Did the door of A01 open\?/);
    c.answer("n");
    await c.until(/Did the door of A02 open\?/);
    c.answer("y");
    const r = await c.finished();
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { results: { verdict: string }[] };
    expect(report.results.map((x) => x.verdict)).toEqual(["did_not_open", "sensor_not_seen", "board_missing"]);
    expect(rig.bus.board(0).unlocks).toEqual([1, 2]);
    expect(loadConfig({ path: join(rig.dir, "lockerd.calibrated.json"), env: {} }).hardware.driver).toBe("cu16");
  });

  it("SIGTERM in the middle of a relay pulse: the relay is switched off at once, nothing is written", async () => {
    rig = await startRig("modbus-relay", { boards: [1], person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } }, { doors: { pulseMs: 5000 } });
    const layout = layoutFile(rig.dir, [["A01", 1, 2]]);
    const out = join(rig.dir, "out.json");
    const c = rig.start([...FAST, "--driver", "modbus-relay", "--polarity", "1", "--layout", layout, "--out", out, "--wait", "30"]);
    await c.until(/A01 \(board 1 channel 2\): pulsing/);
    const board = rig.bus.board(1);
    const until = Date.now() + 10_000;
    while (!board.energised.has(2) && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
    expect([...board.energised]).toEqual([2]);
    const pulsedAt = Date.now();
    c.proc.kill("SIGTERM");
    const r = await c.finished();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/interrupted by SIGTERM: every output is off \(every relay of the modbus-relay boards is off/);
    expect(r.stderr).toMatch(/nothing was written/);
    expect(board.energised.size).toBe(0);
    // Off by the all-off command, long before the board's own 5 s timer would have ended it.
    expect(Date.now() - pulsedAt).toBeLessThan(4500);
    expect(modbus.parseCommand(rig.bus.received.at(-1)!)).toMatchObject({ kind: "write-coils", values: Array(8).fill(false) });
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  });

  it("Ctrl-C (SIGINT) while learning the polarity: nothing was pulsed, and it says so", async () => {
    rig = await startRig("8a80", { boards: [1] });
    const c = rig.start([...FAST, "--driver", "8a80", "--out", join(rig.dir, "o.json")]);
    await c.until(/Close EVERY door/);
    c.proc.kill("SIGINT");
    const r = await c.finished();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/interrupted by SIGINT: no lock was pulsed, so no output was switched on/);
    expect(rig.bus.board(1).unlocks).toEqual([]);
  });

  it("refuses a serial line another program holds (as the daemon does), and probes nothing", async () => {
    rig = await startRig("8a80", { boards: [1] });
    const { SerialPort } = await import("serialport");
    const holder = new SerialPort({ path: rig.pty.device, baudRate: 9600, autoOpen: false });
    await new Promise<void>((res, rej) => holder.open((e) => (e ? rej(e) : res())));
    try {
      const r = await rig.start([...FAST]).finished();
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(/is held by another program .*is lockerd running\? stop it first/);
      expect(rig.bus.received).toEqual([]);
    } finally {
      await new Promise<void>((res) => holder.close(() => res()));
    }
  });

  it("never replaces an existing file unless the technician says so", async () => {
    rig = await startRig("8a80", { boards: [1] });
    const layout = layoutFile(rig.dir, [["A01", 1, 1]]);
    const out = layoutFile(rig.dir, [["Z01", 9, 9]], "existing.json");
    const before = readFileSync(out, "utf8");
    const c = rig.start([...FAST, "--driver", "8a80", "--polarity", "0x11", "--layout", layout, "--out", out]);
    await c.until(/Did the door of A01 open\?/);
    c.answer("y");
    await c.until(/existing\.json exists: replace it\? \[y\/N\]/);
    c.answer("");
    const r = await c.finished();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/the configuration was NOT written/);
    expect(readFileSync(out, "utf8")).toBe(before);
  });

  it("probing every dialect on each kind of bus sends the boards nothing but read commands", async () => {
    const rigs = await Promise.all((["cu16", "8a80", "modbus-relay", "wkly"] as const).map((p) => startRig(p, { boards: [p === "cu16" || p === "wkly" ? 0 : 1, 2] })));
    try {
      const runs = await Promise.all(rigs.map((r) => r.start(["--addresses", "0-12", "--probe-timeout", "250", "--polarity", "nonsense"]).finished()));
      for (const [i, protocol] of (["cu16", "8a80", "modbus-relay", "wkly"] as const).entries()) {
        const r = runs[i]!;
        // It stops at the bad --polarity, after probing every address of every dialect.
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`found ${protocol} boards ${protocol === "cu16" || protocol === "wkly" ? 0 : 1} .*, 2 `));
        expect(r.stderr).toMatch(/--polarity: .* takes/);
        const bus = rigs[i]!.bus;
        expect(bus.received.length).toBeGreaterThanOrEqual(2);
        onlyReads(protocol, bus.received);
        for (const b of bus.boards.values()) expect(b.unlocks).toEqual([]);
      }
    } finally {
      await Promise.all(rigs.map((r) => r.stop()));
    }
  });

  it("refuses while a real daemon answers: it owns the serial line", async () => {
    const bank = new Bank();
    try {
      await bank.start();
      const r = await bank.cli(["calibrate", "--port", "/dev/null"]);
      expect(r.code, r.stderr).toBe(75);
      expect(r.stderr).toMatch(/the daemon is running \(it answers at .*\) and owns the serial line \/dev\/null: stop it first/);
    } finally {
      await bank.cleanup();
    }
  });

  it("a port that cannot be opened is a clear hardware error (exit 69), not a crash", async () => {
    rig = await startRig("8a80", { boards: [1] });
    const r = await rig.start([...FAST, "--port", join(rig.dir, "no-such-adapter")]).finished();
    expect(r.code, r.stderr).toBe(69);
    expect(r.stderr).toMatch(/cannot open serial port .*no-such-adapter/);
    expect(r.stderr).not.toMatch(/unexpected error/);
    const numbered = await rig.start([...FAST, "--port", "/dev/ttyUSB97"]).finished();
    expect(numbered.code, numbered.stderr).toBe(69);
    expect(numbered.stderr).toMatch(/warning: \/dev\/ttyUSB97 may name another adapter after a reboot .*\/dev\/serial\/by-id/);
  });

  it("a layout that cannot be used is refused before anything is probed, every problem listed (exit 78)", async () => {
    rig = await startRig("8a80", { boards: [1] });
    const layout = layoutFile(rig.dir, [
      ["A01", 1, 1],
      ["b2", 1, 2],
      ["a3", 1, 3],
    ]);
    const r = await rig.start([...FAST, "--layout", layout]).finished();
    expect(r.code, r.stderr).toBe(78);
    expect(r.stderr).toMatch(/layout\.json: 2 problems/);
    expect(r.stderr).toMatch(/a column letter and 2-3 digits/);
    expect(rig.bus.received).toEqual([]);
  });

  it("--confirm board: a no is followed by which doors stayed shut, and only those fail", async () => {
    rig = await startRig("8a80", { boards: [1] });
    rig.bus.board(1).jammed.add(2);
    const layout = layoutFile(rig.dir, [
      ["A01", 1, 1],
      ["A02", 1, 2],
      ["A03", 1, 3],
    ]);
    const c = rig.start([...FAST, "--driver", "8a80", "--polarity", "0x11", "--layout", layout, "--out", join(rig.dir, "o.json"), "--confirm", "board", "--wait", "1", "--json"]);
    await c.until(/Board 1: did the doors A01, A02, A03 each open/);
    c.answer("n");
    await c.until(/Which of them did not open\?/);
    c.answer("a09");
    await c.until(/not on this board: A09 \(it has A01, A02, A03\)/);
    await c.until(/Which of them did not open\?/);
    c.answer("a02");
    const r = await c.finished();
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { results: { lockerId: string; verdict: string }[] };
    expect(report.results.map((x) => [x.lockerId, x.verdict])).toEqual([
      ["A01", "ok"],
      ["A02", "did_not_open"],
      ["A03", "ok"],
    ]);
  });

  it("Ctrl-C typed on a terminal (a real pty through util-linux script) while a lock is being watched: outputs off, exit 1", async () => {
    rig = await startRig("modbus-relay", { boards: [1], person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } }, { doors: { pulseMs: 5000 } });
    const layout = layoutFile(rig.dir, [["A01", 1, 3]]);
    const c = rig.startOnTerminal([...FAST, "--driver", "modbus-relay", "--polarity", "1", "--layout", layout, "--out", join(rig.dir, "o.json"), "--wait", "30"]);
    const board = rig.bus.board(1);
    const until = Date.now() + 20_000;
    while (!board.energised.has(3) && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
    expect([...board.energised]).toEqual([3]);
    c.answer("\x03");
    const r = await c.finished();
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/interrupted by SIGINT: every output is off/);
    expect(board.energised.size).toBe(0);
  });

  it("a locker the bank's database says holds a parcel is not pulsed, unless --include-occupied", async () => {
    const bank = new Bank();
    try {
      await bank.start();
      const r0 = await bank.api<{ lockerId: string; parcelId: string }>("POST", "/lockers/assign", { size: "S", parcel: "TRK-CAL-1" });
      expect(r0.status).toBe(201);
      await until("the parcel stored", async () => (await bank.api<{ events: unknown[] }>("GET", "/events?type=parcel.stored")).body.events.length === 1);
      await bank.stop();
      const { lockerId, parcelId } = r0.body;
      const other = lockerId === "A01" ? "A02" : "A01";
      rig = await startRig("cu16", { boards: [0] });
      const layout = layoutFile(rig.dir, [
        [lockerId, 0, 1],
        [other, 0, 2],
      ]);
      const c = rig.start([...FAST, "--driver", "cu16", "--polarity", "1", "--layout", layout, "--db", bank.db, "--json", "--wait", "2"]);
      await c.until(new RegExp(`1 locker holds a parcel \\(${lockerId}\\): not pulsed`));
      await c.until(new RegExp(`Did the door of ${other} open\\?`));
      c.answer("y");
      const r = await c.finished();
      expect(r.code, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as { results: { lockerId: string; verdict: string; detail: string }[] };
      expect(report.results[0]).toMatchObject({ lockerId, verdict: "occupied" });
      expect(report.results[0]!.detail).toContain(parcelId);
      expect(report.results[1]).toMatchObject({ lockerId: other, verdict: "ok" });
      expect(rig.bus.board(0).unlocks).toEqual([2]);

      const c2 = rig.start([...FAST, "--driver", "cu16", "--polarity", "1", "--layout", layout, "--db", bank.db, "--include-occupied", "--force", "--wait", "2"]);
      for (const id of [lockerId, other]) {
        await c2.until(new RegExp(`Did the door of ${id} open\\?`));
        c2.answer("y");
      }
      expect((await c2.finished()).code).toBe(0);
      expect(rig.bus.board(0).unlocks).toEqual([2, 1, 2]);
    } finally {
      await bank.cleanup();
    }
  });
});
