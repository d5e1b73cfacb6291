import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { configSchema } from "../../src/config/schema.js";
import { modbusRelayOutputsOff } from "../../src/drivers/modbus-relay/outputs-off.js";
import { hex } from "../../src/drivers/serial/checksum.js";
import { createBoardLockBank } from "../../src/drivers/serial/from-config.js";
import { SerialPortLine } from "../../src/drivers/serial/line.js";
import { BoardBus, GARBAGE } from "../../src/simulator/board-bus.js";
import { boardConfig, boardLayout, startHarness, type Harness, type HarnessOptions } from "../support/board-harness.js";
import { openPtyPair } from "../support/pty-pair.js";
import { waitFor } from "../support/wait-for.js";

// Frames quoted here are the public vectors of test/drivers/modbus-relay-frames.test.ts
// (Waveshare "Modbus RTU Relay" flash on, the 8-relay all-off and the 8-input read).
const WIRING: [string, number, number][] = [
  ["A01", 1, 1],
  ["A02", 1, 2],
  ["A03", 1, 8],
  ["A04", 2, 1],
];
const NO_PERSON = { enabled: false, openDelayMs: 1, closeDelayMs: 1 };
const RELAY = { "modbus-relay": { channels: 8, openInput: 1 as const } };

/** The relay bank on WIRING with nobody at the doors; opts on top. */
const relayBank = (opts: Partial<HarnessOptions> = {}) => startHarness({ protocol: "modbus-relay", wiring: WIRING, person: NO_PERSON, hardware: RELAY, ...opts });

/** The relay bank with board 2 silent from the start (its relay `held` on, if given). */
const board2Silent = (held?: number) =>
  relayBank({
    before: (bus) => {
      bus.board(2).behaviour.silent = true;
      if (held !== undefined) bus.board(2).hold(held);
    },
  });

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("Modbus-RTU relay board driver against simulated boards over a pty", () => {
  it("switches every relay off before the first reading, then polls the door inputs", async () => {
    h = await relayBank({ before: (bus) => bus.board(1).hold(3) });
    expect(h.bank.kind).toBe("modbus-relay");
    const sent = h.bus.received.map(hex);
    expect(sent.slice(0, 2)).toEqual(["01 0F 00 00 00 08 01 00 FE 95", "01 02 00 00 00 08 79 CC"]);
    expect(sent).toContain(hex(Buffer.from([0x02, 0x0f, 0, 0, 0, 8, 1, 0, ...crcOf([0x02, 0x0f, 0, 0, 0, 8, 1, 0])])));
    expect([...h.bus.board(1).energised]).toEqual([]);
    expect(Object.fromEntries(h.bank.doors())).toEqual({ A01: "closed", A02: "closed", A03: "closed", A04: "closed" });
  });

  it("unlock sends Waveshare's flash-on with the pulse length; the board ends the pulse itself; the door opens and closes", async () => {
    h = await startHarness({ protocol: "modbus-relay", wiring: WIRING, hardware: RELAY });
    await h.bank.unlock("A01", 700);
    expect(h.bus.received.map(hex)).toContain("01 05 02 00 00 07 8D B0");
    expect(h.bus.board(1).pulses).toEqual([{ channel: 1, ms: 700 }]);
    expect(h.bus.board(1).energised.has(1)).toBe(true);
    await waitFor("the board to end the pulse", () => h!.bus.board(1).energised.size === 0, 3000);
    await waitFor("door A01 to open and close", () => h!.events.doors.length >= 2);
    expect(h.events.doors).toEqual([
      ["A01", "open"],
      ["A01", "closed"],
    ]);
  });

  it("follows the configured input polarity (openInput 0)", async () => {
    h = await relayBank({
      sim: { openInput: 0 },
      hardware: { "modbus-relay": { channels: 8, openInput: 0 } },
      before: (bus) => bus.board(1).setDoor(8, true),
    });
    expect(Object.fromEntries(h.bank.doors())).toEqual({ A01: "closed", A02: "closed", A03: "open", A04: "closed" });
  });

  it("a refused pulse (Modbus exception) fails the unlock with the reason and opens nothing", async () => {
    h = await relayBank();
    h.bus.board(2).behaviour.refuse = true;
    await expect(h.bank.unlock("A04", 500)).rejects.toThrow(/modbus-relay board 2 refused: exception 04 \(server device failure\) to function 05/);
    expect(h.bus.board(2).pulses).toEqual([]);
    // and the refused reading takes the board offline with the reason
    await waitFor("board 2 offline", () => h!.bank.offline().has("A04"));
    expect(h.events.health[0]!.detail).toMatch(/refused/);
    expect(h.events.doors).toEqual([]);
  });

  it("bad CRCs, short frames and answers from the wrong address are no answer: the board goes offline, no door changes", async () => {
    h = await relayBank();
    h.bus.board(1).behaviour.badChecksum = true;
    h.bus.board(2).behaviour.wrongAddress = true;
    await waitFor("both boards offline", () => h!.bank.offline().size === 4);
    expect(h.bank.lineStats().badChecksum).toBeGreaterThan(0);
    expect(h.bank.lineStats().unsolicited).toBeGreaterThan(0);
    await expect(h.bank.unlock("A01", 500)).rejects.toThrow(/offline/);
    h.bus.board(1).behaviour.badChecksum = false;
    h.bus.board(1).behaviour.truncated = true;
    h.bus.board(2).behaviour.wrongAddress = false;
    await waitFor("board 2 back", () => !h!.bank.offline().has("A04"));
    expect(h.bank.offline().has("A01")).toBe(true);
    h.bus.board(1).behaviour.truncated = false;
    await waitFor("board 1 back", () => h!.bank.offline().size === 0);
    expect(h.events.doors).toEqual([]);
    expect(h.bus.board(1).pulses).toEqual([]);
  });

  it("a pulse whose echo is corrupted fails the unlock; garbage on the line changes no door", async () => {
    h = await relayBank();
    for (let i = 0; i < 3; i++) {
      await h.bus.inject(GARBAGE);
      await new Promise((r) => setTimeout(r, 15));
    }
    h.bus.board(1).behaviour.badChecksum = true;
    await expect(h.bank.unlock("A02", 500)).rejects.toThrow(/no answer to modbus-relay pulse of board 1 relay 2/);
    expect(h.events.doors).toEqual([]);
    expect(h.bank.lineStats().garbage).toBeGreaterThan(0);
  });

  it("a board offline at start gets its all-off before its first reading when it answers", async () => {
    h = await board2Silent(1);
    expect(h.bank.offline().has("A04")).toBe(true);
    h.bus.board(2).behaviour.silent = false;
    await waitFor("board 2 online", () => !h!.bank.offline().has("A04"));
    expect(h.bus.board(2).energised.size).toBe(0);
  });

  it("a board whose relays are not known off is told so first: a hold for a customer's pickup does not stop the bus meanwhile", async () => {
    h = await board2Silent();
    expect(h.bank.offline().has("A04")).toBe(true);
    h.bank.holdLineForPickup!(1000);
    const from = h.bus.received.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(h.bus.received.length, "the bus kept moving (polls, the all-off probes of board 2)").toBeGreaterThan(from + 2);
    h.bus.board(2).behaviour.silent = false;
    await waitFor("board 2 online", () => !h!.bank.offline().has("A04"));
  });

  it("stopping the bank switches every relay of every board off before the line closes", async () => {
    h = await relayBank();
    h.bus.board(1).hold(2);
    h.bus.board(2).hold(5);
    await h.bank.stop();
    expect(h.bus.board(1).energised.size).toBe(0);
    expect(h.bus.board(2).energised.size).toBe(0);
  });
});

describe("Modbus-RTU relay configuration", () => {
  it("refuses to start without the door input polarity, and with channels beyond the bank's count", () => {
    const layout = boardLayout([
      ["A01", 1, 1],
      ["A02", 1, 9],
    ]);
    const cfg = boardConfig("modbus-relay", "/dev/null", { hardware: { "modbus-relay": { channels: 8 } } });
    let err: unknown;
    try {
      createBoardLockBank("modbus-relay", cfg, layout);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems[0]).toMatch(/hardware\["modbus-relay"\]\.openInput: required/);
    expect(problems).toContain("locker A02: lock.channel 9 is out of range for modbus-relay boards (1-8)");
  });

  it("the schema demands openInput when the driver is modbus-relay, and only then", () => {
    const without = configSchema.safeParse({ hardware: { driver: "modbus-relay", serial: { path: "/dev/null" } } });
    expect(without.success).toBe(false);
    expect(without.error!.issues.map((i) => i.path.join("."))).toEqual(["hardware.modbus-relay.openInput"]);
    expect(configSchema.safeParse({ hardware: { driver: "modbus-relay", "modbus-relay": { openInput: 0 } } }).success).toBe(true);
    expect(configSchema.safeParse({ hardware: { driver: "cu16" } }).success).toBe(true);
  });
});

describe("lockerd-outputs-off for Modbus relay boards", () => {
  it("tells every board of the layout to switch every relay off, and says which did not confirm", async () => {
    const pty = await openPtyPair();
    const bus = new BoardBus({ protocol: "modbus-relay", device: pty.peer, boards: [1, 2], person: NO_PERSON });
    try {
      await bus.start();
      bus.board(1).hold(1);
      bus.board(2).hold(8);
      const layout = boardLayout(WIRING);
      const cfg = boardConfig("modbus-relay", pty.device, { hardware: RELAY });
      expect(await modbusRelayOutputsOff(cfg, layout)).toMatch(/every relay/);
      expect(bus.board(1).energised.size + bus.board(2).energised.size).toBe(0);
      bus.board(2).behaviour.silent = true;
      await expect(modbusRelayOutputsOff(cfg, layout, new SerialPortLine({ path: pty.device, baudRate: 9600 }))).rejects.toThrow(/boards 2 did not confirm/);
    } finally {
      await bus.stop();
      await pty.close();
    }
  });
});

function crcOf(head: number[]): number[] {
  let crc = 0xffff;
  for (const b of head) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return [crc & 0xff, crc >> 8];
}
