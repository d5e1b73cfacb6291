import { afterEach, describe, expect, it } from "vitest";
import { hex } from "../../src/drivers/serial/checksum.js";
import { GARBAGE } from "../../src/simulator/board-bus.js";
import { startHarness, type Harness } from "../support/board-harness.js";
import { waitFor } from "../support/wait-for.js";

const WIRING: [string, number, number][] = [
  ["A01", 1, 1],
  ["A02", 1, 2],
  ["A03", 1, 24],
  ["A04", 31, 9],
];
const NO_PERSON = { enabled: false, openDelayMs: 1, closeDelayMs: 1 };

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("0x8A/0x80 driver against the simulated boards over a pty", () => {
  it("unlock sends the exact frame and waits for the board's answer; the door opens and closes", async () => {
    h = await startHarness({ protocol: "8a80", wiring: WIRING });
    expect(h.bank.kind).toBe("8a80");
    expect(h.bus.received.map(hex)).toEqual(expect.arrayContaining(["80 01 00 33 B2", "80 1F 00 33 AC"]));
    await h.bank.unlock("A02", 500);
    expect(h.bus.received.map(hex)).toContain("8A 01 02 11 98");
    expect(h.bus.board(1).unlocks).toEqual([2]);
    await waitFor("door A02 to close again", () => h!.events.doors.length >= 2);
    expect(h.events.doors).toEqual([
      ["A02", "open"],
      ["A02", "closed"],
    ]);
  });

  it("reads channel 24 from the first status byte and channel 9 from the second", async () => {
    h = await startHarness({
      protocol: "8a80",
      wiring: WIRING,
      person: NO_PERSON,
      before: (bus) => {
        bus.board(1).setDoor(24, true);
        bus.board(31).setDoor(9, true);
      },
    });
    expect(Object.fromEntries(h.bank.doors())).toEqual({ A01: "closed", A02: "closed", A03: "open", A04: "open" });
  });

  it("follows the configured feedback polarity (openStatus 0x00)", async () => {
    h = await startHarness({
      protocol: "8a80",
      wiring: WIRING,
      person: NO_PERSON,
      sim: { openStatus: 0x00 },
      hardware: { "8a80": { openStatus: "0x00" } },
      before: (bus) => bus.board(1).setDoor(1, true),
    });
    expect(h.bank.doors().get("A01")).toBe("open");
    expect(h.bank.doors().get("A02")).toBe("closed");
  });

  it("an unanswered unlock fails and takes the board offline; recovery is reported", async () => {
    h = await startHarness({ protocol: "8a80", wiring: WIRING, person: NO_PERSON });
    h.bus.board(31).behaviour.silent = true;
    await expect(h.bank.unlock("A04", 500)).rejects.toThrow(/no answer to 8a80 unlock of board 31 channel 9/);
    expect(h.events.health[0]).toMatchObject({ ids: ["A04"], online: false });
    expect(h.bank.offline().has("A04")).toBe(true);
    h.bus.board(31).behaviour.silent = false;
    await waitFor("board 31 back", () => h!.events.health.length >= 2);
    expect(h.events.health[1]).toMatchObject({ ids: ["A04"], online: true });
    expect(h.events.doors).toEqual([]);
  });

  it("a board offline since start reports its doors when it first answers: one forced meanwhile reads open", async () => {
    h = await startHarness({ protocol: "8a80", wiring: WIRING, person: NO_PERSON, before: (bus) => (bus.board(31).behaviour.silent = true) });
    expect(h.events.health).toEqual([expect.objectContaining({ ids: ["A04"], online: false })]);
    expect(h.bank.doors().get("A04")).toBe("unknown");
    h.bus.board(31).setDoor(9, true);
    const asked = h.bus.received.length;
    await waitFor("board 31 to be asked again", () => h!.bus.received.slice(asked).some((f) => hex(f) === "80 1F 00 33 AC"));
    expect(h.events.doors).toEqual([]);
    h.bus.board(31).behaviour.silent = false;
    await waitFor("board 31 online", () => h!.events.health.length >= 2);
    expect(h.events.doors).toEqual([["A04", "open"]]);
    expect(h.bank.doors().get("A04")).toBe("open");
  });

  it("garbage on the line and a board answering with bad checksums produce no door event", async () => {
    h = await startHarness({ protocol: "8a80", wiring: WIRING, person: NO_PERSON });
    h.bus.board(1).behaviour.noise = true;
    h.bus.board(31).behaviour.badChecksum = true;
    for (let i = 0; i < 5; i++) {
      await h.bus.inject(GARBAGE);
      await new Promise((r) => setTimeout(r, 15));
    }
    await waitFor("board 31 offline", () => h!.bank.offline().has("A04"));
    expect(h.bank.offline().has("A01")).toBe(false);
    expect(h.bank.lineStats().badChecksum).toBeGreaterThan(0);
    expect(h.bank.lineStats().garbage).toBeGreaterThan(0);
    expect(h.events.doors).toEqual([]);
  });
});
