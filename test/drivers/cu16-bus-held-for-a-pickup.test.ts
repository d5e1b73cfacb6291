/**
 * The CU16 driver over a socat pty, its line held for a customer's imminent unlock: another
 * unlock asked for meanwhile (a courier's deposit) waits, the pickup's unlock is the next frame
 * on the bus, and the deposit follows it; a hold whose pickup never comes runs out or is released.
 */
import { afterEach, describe, expect, it } from "vitest";
import { hex } from "../../src/drivers/serial/checksum.js";
import { statusRequest, unlockRequest } from "../../src/drivers/cu16/protocol.js";
import { startHarness, type Harness } from "../support/board-harness.js";
import { waitFor } from "../support/wait-for.js";

const WIRING: [string, number, number][] = [
  ["A01", 0, 1],
  ["A02", 0, 2],
  ["A04", 1, 1],
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function polling(): Promise<Harness> {
  h = await startHarness({ protocol: "cu16", wiring: WIRING, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
  await waitFor("polling", () => h!.bus.received.length >= 4);
  return h;
}

describe("CU16 bus held for a customer's imminent pickup, over a pty", () => {
  it("a deposit's unlock asked for during the hold waits; the pickup's unlock goes first, then the deposit's", async () => {
    const h = await polling();
    h.bank.holdLineForPickup!(1000);
    await sleep(40); // the exchange already on the line ends
    const from = h.bus.received.length;
    let deposited = false;
    const deposit = h.bank.unlock("A04", 500).then(() => (deposited = true));
    await sleep(250);
    expect(h.bus.received.length, "nothing starts while held: no poll, not the deposit").toBe(from);
    expect(deposited).toBe(false);

    const asked = performance.now();
    await h.bank.unlock("A01", 500, { pickup: true });
    // the hold had 700 ms to run: the pickup did not wait for it
    expect(performance.now() - asked, "the pickup goes through at once").toBeLessThan(400);
    expect(h.bus.received.slice(from, from + 2).map(hex), "the pickup's unlock is the next frame, with its status read").toEqual([hex(unlockRequest(0, 1)), hex(statusRequest(0))]);
    await deposit;
    expect(h.bus.received.slice(from + 2, from + 4).map(hex), "then the deposit's").toEqual([hex(unlockRequest(1, 1)), hex(statusRequest(1))]);
    expect(h.bus.board(0).unlocks).toEqual([1]);
    expect(h.bus.board(1).unlocks).toEqual([1]);
    await waitFor("polls again", () => h.bus.received.length >= from + 7);
  });

  it("a hold whose pickup never comes runs out: the deposit waits for it, then opens", async () => {
    const h = await polling();
    const t0 = performance.now();
    h.bank.holdLineForPickup!(300);
    await sleep(40);
    const from = h.bus.received.length;
    await h.bank.unlock("A04", 500);
    expect(performance.now() - t0, "waited for the hold to run out").toBeGreaterThanOrEqual(295);
    expect(h.bus.received.slice(from, from + 2).map(hex)).toEqual([hex(unlockRequest(1, 1)), hex(statusRequest(1))]);
  });

  it("released (the code was not a pickup): the deposit waiting goes at once", async () => {
    const h = await polling();
    h.bank.holdLineForPickup!(1000);
    await sleep(40);
    const from = h.bus.received.length;
    const deposit = h.bank.unlock("A04", 500);
    await sleep(100);
    expect(h.bus.received.length).toBe(from);
    const t0 = performance.now();
    h.bank.releaseLineHold!();
    await deposit;
    expect(performance.now() - t0, "well before the hold would have run out").toBeLessThan(600);
    expect(h.bus.board(1).unlocks).toEqual([1]);
  });
});
