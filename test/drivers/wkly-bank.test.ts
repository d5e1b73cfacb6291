import { afterEach, describe, expect, it } from "vitest";
import { hex } from "../../src/drivers/serial/checksum.js";
import { GARBAGE } from "../../src/simulator/board-bus.js";
import { startHarness, type Harness } from "../support/board-harness.js";
import { waitFor } from "../support/wait-for.js";

// Frames quoted here are public vectors of test/drivers/wkly-frames.test.ts.
const WIRING: [string, number, number][] = [
  ["A01", 0, 1],
  ["A02", 0, 5],
  ["A03", 0, 24],
  ["A04", 1, 4],
];
const NO_PERSON = { enabled: false, openDelayMs: 1, closeDelayMs: 1 };

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("WKLY driver against simulated boards over a pty", () => {
  it("unlock sends the exact frame and waits for the board's answer; the door opens and closes", async () => {
    h = await startHarness({ protocol: "wkly", wiring: WIRING });
    expect(h.bank.kind).toBe("wkly");
    expect(h.bus.received.map(hex)).toContain("57 4B 4C 59 08 00 84 85");
    await h.bank.unlock("A01", 500);
    expect(h.bus.received.map(hex)).toContain("57 4B 4C 59 09 00 82 01 83");
    expect(h.bus.board(0).unlocks).toEqual([1]);
    await waitFor("door A01 to open and close", () => h!.events.doors.length >= 2);
    expect(h.events.doors).toEqual([
      ["A01", "open"],
      ["A01", "closed"],
    ]);
  });

  it("reads every channel's lock byte, and follows the configured polarity (closedLock 0)", async () => {
    h = await startHarness({ protocol: "wkly", wiring: WIRING, person: NO_PERSON, before: (bus) => bus.board(0).setDoor(24, true) });
    expect(Object.fromEntries(h.bank.doors())).toEqual({ A01: "closed", A02: "closed", A03: "open", A04: "closed" });
    await h.stop();
    h = await startHarness({
      protocol: "wkly",
      wiring: WIRING,
      person: NO_PERSON,
      sim: { closedLock: 0 },
      hardware: { wkly: { closedLock: 0, unlockReply: "answered" } },
      before: (bus) => bus.board(1).setDoor(4, true),
    });
    expect(Object.fromEntries(h.bank.doors())).toEqual({ A01: "closed", A02: "closed", A03: "closed", A04: "open" });
  });

  it("a channel the board does not report reads unknown, never closed or open", async () => {
    h = await startHarness({ protocol: "wkly", wiring: WIRING, person: NO_PERSON, sim: { channels: 8 } });
    expect(h.bank.doors().get("A03")).toBe("unknown");
    expect(h.bank.doors().get("A02")).toBe("closed");
  });

  it("a board that refuses (status FF) fails the unlock with the reason and opens nothing; its refused reading takes it offline", async () => {
    h = await startHarness({ protocol: "wkly", wiring: WIRING, person: NO_PERSON });
    h.bus.board(1).behaviour.refuse = true;
    await expect(h.bank.unlock("A04", 500)).rejects.toThrow(/wkly board 1 refused to open channel 4 \(status FF\)/);
    expect(h.bus.board(1).unlocks).toEqual([]);
    await waitFor("board 1 offline", () => h!.bank.offline().has("A04"));
    expect(h.events.health[0]!.detail).toMatch(/refused the reading/);
    expect(h.events.doors).toEqual([]);
  });

  it("bad check bytes, short frames and answers from the wrong address are no answer; garbage changes no door", async () => {
    h = await startHarness({ protocol: "wkly", wiring: WIRING, person: NO_PERSON });
    for (let i = 0; i < 3; i++) {
      await h.bus.inject(GARBAGE);
      await new Promise((r) => setTimeout(r, 15));
    }
    h.bus.board(0).behaviour.badChecksum = true;
    h.bus.board(1).behaviour.wrongAddress = true;
    await waitFor("both boards offline", () => h!.bank.offline().size === 4);
    await expect(h.bank.unlock("A01", 500)).rejects.toThrow(/offline/);
    h.bus.board(0).behaviour.badChecksum = false;
    h.bus.board(0).behaviour.truncated = true;
    h.bus.board(1).behaviour.wrongAddress = false;
    await waitFor("board 1 back", () => !h!.bank.offline().has("A04"));
    expect(h.bank.offline().has("A01")).toBe(true);
    h.bus.board(0).behaviour.truncated = false;
    await waitFor("board 0 back", () => h!.bank.offline().size === 0);
    expect(h.events.doors).toEqual([]);
    expect(h.bus.board(0).unlocks).toEqual([]);
    expect(h.bank.lineStats().badChecksum).toBeGreaterThan(0);
    expect(h.bank.lineStats().unsolicited).toBeGreaterThan(0);
  });

  it("a board that does not answer unlocks (unlockReply silent) is confirmed by reading it", async () => {
    // No polling after start: every frame after the unlock is the unlock's own doing.
    h = await startHarness({ protocol: "wkly", wiring: WIRING, person: NO_PERSON, serial: { pollMs: 60_000 }, sim: { unlockReply: "silent" }, hardware: { wkly: { closedLock: 1, unlockReply: "silent" } } });
    const before = h.bus.received.length;
    h.bus.board(1).setDoor(4, true);
    await h.bank.unlock("A04", 500);
    expect(h.bus.received.slice(before).map(hex)).toEqual(["57 4B 4C 59 09 01 82 04 87", "57 4B 4C 59 08 01 84 84"]);
    expect(h.bank.doors().get("A04")).toBe("open");
    expect(h.events.doors).toEqual([["A04", "open"]]);
  });
});
