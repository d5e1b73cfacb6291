import { afterEach, describe, expect, it } from "vitest";
import { hex } from "../../src/drivers/serial/checksum.js";
import { GARBAGE } from "../../src/simulator/board-bus.js";
import { statusRequest, unlockRequest } from "../../src/drivers/cu16/protocol.js";
import { MAX_POLL_HOLD_MS } from "../../src/drivers/serial/poll-holds.js";
import { startHarness, type Harness } from "../support/board-harness.js";
import { waitFor } from "../support/wait-for.js";

const WIRING: [string, number, number][] = [
  ["A01", 0, 1],
  ["A02", 0, 2],
  ["A03", 0, 16],
  ["A04", 1, 1],
  ["A05", 1, 2],
];

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe("CU16 driver against the simulated boards over a pty", () => {
  it("unlock sends the exact frame, the person opens the door, the driver reports open then closed", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING });
    expect(h.bank.kind).toBe("cu16");
    expect([...h.bank.doors().values()]).toEqual(["closed", "closed", "closed", "closed", "closed"]);
    await h.bank.unlock("A05", 500);
    expect(h.bus.board(1).unlocks).toEqual([2]);
    expect(h.bus.received.map(hex)).toContain("02 11 31 03 47");
    // the unlock is confirmed by a status request right behind it
    const sent = h.bus.received.map(hex);
    expect(sent[sent.indexOf("02 11 31 03 47") + 1]).toBe("02 10 30 03 45");
    await waitFor("door A05 to close again", () => h!.events.doors.length >= 2);
    expect(h.events.doors).toEqual([
      ["A05", "open"],
      ["A05", "closed"],
    ]);
    expect(h.bus.board(0).unlocks).toEqual([]);
    expect(h.events.health).toEqual([]);
  });

  it("keeps the bus free while an unlock is expected (a customer typing), and still reads every board within MAX_POLL_HOLD_MS", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await waitFor("polling", () => h!.bus.received.length >= 4);
    h.bank.holdPolls!(600);
    await sleep(100); // an exchange already on the bus ends
    const held = h.bus.received.length;
    await sleep(300);
    expect(h.bus.received.length, "no status poll while held").toBe(held);
    await h.bank.unlock("A04", 500);
    // the unlock is the next frame on the bus (then the status read that confirms it)
    expect(h.bus.received.slice(held).map(hex)).toEqual([hex(unlockRequest(1, 1)), hex(statusRequest(1))]);
    await waitFor("polls again once the hold is over", () => h!.bus.received.length >= held + 6);

    // held again and again (a keypad leaned on): a whole round still runs every MAX_POLL_HOLD_MS
    const from = h.bus.received.length;
    const t0 = Date.now();
    while (Date.now() - t0 < MAX_POLL_HOLD_MS + 700) {
      h.bank.holdPolls!(1500);
      await sleep(50);
    }
    const polled = new Set(h.bus.received.slice(from).map(hex));
    expect(polled).toEqual(new Set([hex(statusRequest(0)), hex(statusRequest(1))]));
  });

  it("while a customer types, still reads the board of a door awaited to open: a door opened and shut quickly is seen", async () => {
    // a courier's door (or the last customer's) opens 20 ms after its unlock and shuts 400 ms later
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: true, openDelayMs: 20, closeDelayMs: 400 } });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await waitFor("polling", () => h!.bus.received.length >= 4);
    const t0 = Date.now();
    h.bank.holdPolls!(1500);
    await h.bank.unlock("A04", 500);
    // the next customer keeps typing, well inside one MAX_POLL_HOLD_MS
    while (Date.now() - t0 < 1200) {
      h.bank.holdPolls!(1500);
      await sleep(50);
    }
    expect(Date.now() - t0).toBeLessThan(MAX_POLL_HOLD_MS);
    expect(h.bus.board(1).doorOpen[0], "the door is shut again").toBe(false);
    // seen open (what the door supervisor waits for); its close may wait for the hold to end
    expect(h.events.doors[0]).toEqual(["A04", "open"]);
    // the other board, with no door awaited, was left alone while held
    const after = h.bus.received.slice(h.bus.received.map(hex).lastIndexOf(hex(unlockRequest(1, 1))));
    expect(after.map(hex)).not.toContain(hex(statusRequest(0)));
    await waitFor("the close, once the hold is over", () => h!.events.doors.length >= 2);
    expect(h.events.doors[1]).toEqual(["A04", "closed"]);
  });

  it("polls every board with the status command", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    await waitFor("a few polls", () => h!.bus.received.length >= 6);
    expect(new Set(h.bus.received.map(hex))).toEqual(new Set(["02 00 30 03 35", "02 10 30 03 45"]));
  });

  it("reads the doors at start without reporting them as changes, then reports changes", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 }, before: (bus) => bus.board(0).setDoor(16, true) });
    expect(h.bank.doors().get("A03")).toBe("open");
    expect(h.events.doors).toEqual([]);
    h.bus.board(0).setDoor(16, false);
    h.bus.board(1).setDoor(1, true);
    await waitFor("both changes", () => h!.events.doors.length >= 2);
    expect(h.events.doors).toEqual(expect.arrayContaining([["A03", "closed"], ["A04", "open"]]));
  });

  it("follows the configured feedback polarity (lockedBit 0)", async () => {
    h = await startHarness({
      protocol: "cu16",
      wiring: WIRING,
      sim: { lockedBit: 0 },
      hardware: { cu16: { lockedBit: 0 } },
      person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 },
      before: (bus) => bus.board(0).setDoor(1, true),
    });
    expect(h.bank.doors().get("A01")).toBe("open");
    expect(h.bank.doors().get("A02")).toBe("closed");
  });

  it("exposes the IR 'item present' inputs when the bank has IR sensors; forgets them while the board is offline", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, hardware: { cu16: { lockedBit: 1, itemSensors: true } }, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    expect(h.bank.items().get("A03")).toBe(false);
    h.bus.board(0).setItem(16, true);
    await waitFor("the item to show", () => h!.bank.items().get("A03") === true);
    expect(h.events.doors).toEqual([]);
    h.bus.board(0).behaviour.silent = true;
    await waitFor("board 0 offline", () => h!.bank.offline().has("A03"));
    expect(h.bank.items().has("A03")).toBe(false);
    h.bus.board(0).behaviour.silent = false;
    await waitFor("the item again", () => h!.bank.items().get("A03") === true);
  });

  it("reports no IR inputs when the bank has no IR sensors, whatever the board sends", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 }, before: (bus) => bus.board(0).setItem(16, true) });
    expect(h.bank.doors().get("A03")).toBe("closed");
    expect(h.bank.items().size).toBe(0);
  });

  it("a board that stops answering takes its lockers offline; it is retried and its recovery reported", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    h.bus.board(1).behaviour.silent = true;
    await waitFor("board 1 offline", () => h!.events.health.length >= 1);
    expect(h.events.health[0]).toMatchObject({ ids: ["A04", "A05"], online: false });
    expect(h.events.health[0]!.detail).toMatch(/cu16 board 1 is not answering/);
    expect([...h.bank.offline()]).toEqual(["A04", "A05"]);
    expect(h.bank.doors().get("A04")).toBe("unknown");
    await expect(h.bank.unlock("A04", 500)).rejects.toThrow(/offline/);
    expect(h.bus.board(1).unlocks).toEqual([]);
    // board 0 carries on
    await h.bank.unlock("A01", 500);
    expect(h.bus.board(0).unlocks).toEqual([1]);

    const asked = h.bus.received.length;
    await waitFor("board 1 to be asked again", () => h!.bus.received.slice(asked).some((f) => hex(f) === "02 10 30 03 45"));
    h.bus.board(1).behaviour.silent = false;
    await waitFor("board 1 back", () => h!.events.health.length >= 2);
    expect(h.events.health[1]).toMatchObject({ ids: ["A04", "A05"], online: true });
    expect(h.bank.offline().size).toBe(0);
    expect(h.bank.doors().get("A04")).toBe("closed");
    expect(h.events.doors).toEqual([]);
  });

  it("a board absent at start is reported offline at start", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, boards: [0], person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    expect(h.events.health).toEqual([expect.objectContaining({ ids: ["A04", "A05"], online: false })]);
    expect(h.bank.doors().get("A01")).toBe("closed");
  });

  it("a board offline since start reports every door when it first answers: a door opened meanwhile is news", async () => {
    h = await startHarness({
      protocol: "cu16",
      wiring: WIRING,
      person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 },
      before: (bus) => {
        bus.board(1).behaviour.silent = true;
        bus.board(0).setDoor(2, true); // open at start on a board that answers: the start picture
      },
    });
    expect(h.events.health).toEqual([expect.objectContaining({ ids: ["A04", "A05"], online: false })]);
    expect(h.bank.doors().get("A04")).toBe("unknown");
    expect(h.bank.doors().get("A02")).toBe("open");
    h.bus.board(1).setDoor(1, true); // forced while nobody can see it
    const asked = h.bus.received.length;
    await waitFor("board 1 to be asked again", () => h!.bus.received.slice(asked).some((f) => hex(f) === "02 10 30 03 45"));
    expect(h.events.doors).toEqual([]);
    h.bus.board(1).behaviour.silent = false;
    await waitFor("board 1 online", () => h!.events.health.length >= 2);
    expect(h.events.health[1]).toMatchObject({ ids: ["A04", "A05"], online: true });
    expect(h.events.doors).toEqual([
      ["A04", "open"],
      ["A05", "closed"],
    ]);
    expect(h.bank.doors().get("A04")).toBe("open");
    // From then on only changes are news.
    h.bus.board(1).setDoor(1, false);
    await waitFor("the close", () => h!.events.doors.length >= 3);
    expect(h.events.doors[2]).toEqual(["A04", "closed"]);
  });

  it("a door opened while its board was offline (after being read) is reported when the board answers again", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    h.bus.board(1).behaviour.silent = true;
    await waitFor("board 1 offline", () => h!.bank.offline().has("A05"));
    h.bus.board(1).setDoor(2, true);
    h.bus.board(1).behaviour.silent = false;
    await waitFor("board 1 back", () => h!.bank.offline().size === 0 && h!.events.doors.length >= 1);
    expect(h.events.doors).toEqual([["A05", "open"]]);
  });

  it("garbage and noise on the line do not crash the driver and produce no door event", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    h.bus.board(0).behaviour.noise = true;
    for (let i = 0; i < 5; i++) {
      await h.bus.inject(GARBAGE);
      await new Promise((r) => setTimeout(r, 15));
    }
    const polled = h.bus.received.length;
    await waitFor("more polls", () => h!.bus.received.length >= polled + 6);
    expect(h.bank.lineStats().garbage).toBeGreaterThan(0);
    expect(h.events.doors).toEqual([]);
    expect(h.events.health).toEqual([]);
    expect(h.bank.offline().size).toBe(0);
  });

  it("a board answering only garbage or bad checksums counts as not answering, never as a door change", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    h.bus.board(0).behaviour.garbage = true;
    h.bus.board(1).behaviour.badChecksum = true;
    await waitFor("both boards offline", () => h!.bank.offline().size === 5);
    expect(h.bank.lineStats().badChecksum).toBeGreaterThan(0);
    expect(h.events.doors).toEqual([]);
    h.bus.board(0).behaviour.garbage = false;
    h.bus.board(1).behaviour.badChecksum = false;
    await waitFor("both boards back", () => h!.bank.offline().size === 0);
    expect(h.events.doors).toEqual([]);
  });

  it("a slow answer within the timeout is fine; one slower than every retry is not", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    h.bus.board(0).behaviour.delayMs = 30;
    const polled = h.bus.received.length;
    await waitFor("more polls", () => h!.bus.received.length >= polled + 6);
    expect(h.bank.offline().size).toBe(0);
    h.bus.board(0).behaviour.delayMs = 1000;
    await waitFor("board 0 offline", () => h!.bank.offline().has("A01"));
    expect(h.events.doors).toEqual([]);
  });
});

describe("CU16 driver when the serial adapter goes away", () => {
  it("reports every locker offline when the line dies, and keeps running", async () => {
    h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    await h.pty.close(); // the adapter is unplugged: both ends of the pty pair vanish
    await waitFor("all lockers offline", () => h!.bank.offline().size === WIRING.length);
    const offline = h.events.health.filter((e) => !e.online).flatMap((e) => e.ids);
    expect(offline.sort()).toEqual(WIRING.map((w) => w[0]).sort());
    expect(h.events.health[0]!.detail).toMatch(/^cu16 board 0 unreachable: serial line \/dev\/\S+ lost/);
    await expect(h.bank.unlock("A01", 500)).rejects.toThrow(/offline/);
    expect(h.events.doors).toEqual([]);
  });
});
