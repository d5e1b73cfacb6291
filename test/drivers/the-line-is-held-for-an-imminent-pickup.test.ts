/**
 * The line queue held for a customer's unlock that is about to come (a whole code typed, a scan
 * arriving): nothing but a pickup starts until it comes, the hold is released or runs out, and
 * no exchange waits longer than MAX_HELD_WAIT_MS because of holds. Fake clock throughout.
 */
import { describe, expect, it } from "vitest";
import { HOLD_PAUSE_MS, LineQueue, MAX_HELD_WAIT_MS, MAX_LINE_HOLD_MS } from "../../src/drivers/serial/line-queue.js";
import { FakeClock } from "../support/clock.js";

const settle = () => new Promise((r) => setImmediate(r));

function rig(gapMs = 0) {
  const clock = new FakeClock(0);
  const q = new LineQueue(gapMs, clock);
  const ran: [string, number][] = [];
  const job = (name: string) => async () => void ran.push([name, clock.now()]);
  return { clock, q, ran, job };
}

describe("the line held for an imminent pickup", () => {
  it("starts neither a poll nor another unlock while held; the pickup goes at once, ends the hold, and the others follow", async () => {
    const { clock, q, ran, job } = rig();
    q.holdForPickup(1000);
    const others = [q.run(job("poll")), q.run(job("deposit"), "unlock")];
    await settle();
    clock.advance(300);
    await settle();
    expect(ran, "nothing but a pickup starts while held").toEqual([]);
    expect(q.held).toBe(true);
    const pickup = q.run(job("pickup"), "pickup");
    expect(q.held, "the pickup's arrival ends the hold").toBe(false);
    await Promise.all([pickup, ...others]);
    expect(ran).toEqual([
      ["pickup", 300],
      ["deposit", 300],
      ["poll", 300],
    ]);
  });

  it("never cuts short the exchange already on the line: the pickup waits for it and goes next", async () => {
    const { clock, q, ran, job } = rig();
    let done!: () => void;
    const onLine = q.run(() => new Promise<void>((r) => (done = r)).then(() => void ran.push(["poll on the line", clock.now()])));
    await settle();
    q.holdForPickup(1000);
    const deposit = q.run(job("deposit"), "unlock");
    const pickup = q.run(job("pickup"), "pickup");
    clock.advance(7);
    await settle();
    expect(ran).toEqual([]);
    done();
    await Promise.all([onLine, deposit, pickup]);
    expect(ran.map(([n]) => n)).toEqual(["poll on the line", "pickup", "deposit"]);
  });

  it("runs out by itself: an unlock that does not come holds the line MAX_LINE_HOLD_MS at most, whatever was asked", async () => {
    const { clock, q, ran, job } = rig();
    q.holdForPickup(60_000);
    const poll = q.run(job("poll"));
    clock.advance(MAX_LINE_HOLD_MS - 1);
    await settle();
    expect(ran).toEqual([]);
    clock.advance(1);
    await poll;
    expect(ran).toEqual([["poll", MAX_LINE_HOLD_MS]]);
  });

  it("a shorter hold (a scan's first bytes) runs out at its own time", async () => {
    const { clock, q, ran, job } = rig();
    q.holdForPickup(150);
    const deposit = q.run(job("deposit"), "unlock");
    clock.advance(149);
    await settle();
    expect(ran).toEqual([]);
    clock.advance(1);
    await deposit;
    expect(ran).toEqual([["deposit", 150]]);
  });

  it("released (the entry cleared, the scan not a pickup): what waits goes at once", async () => {
    const { clock, q, ran, job } = rig();
    q.holdForPickup(1000);
    const poll = q.run(job("poll"));
    clock.advance(40);
    await settle();
    expect(ran).toEqual([]);
    q.release();
    await poll;
    expect(ran).toEqual([["poll", 40]]);
  });

  it("holds one after another (garbage scans, a vandal) hold the line MAX_HELD_WAIT_MS in a row at most; then everything goes and holds pause", async () => {
    const { clock, q, ran, job } = rig();
    q.holdForPickup(150);
    const deposit = q.run(job("deposit"), "unlock");
    clock.advance(100);
    const poll = q.run(job("poll"));
    // (steps that land on the times they are due: the fake clock fires a timer inside a step)
    for (let t = 100; t < MAX_HELD_WAIT_MS; t += 100) {
      q.holdForPickup(150);
      clock.advance(100);
      await settle();
    }
    await Promise.all([deposit, poll]);
    expect(ran, "both went at MAX_HELD_WAIT_MS, while holds were still being asked for").toEqual([
      ["deposit", MAX_HELD_WAIT_MS],
      ["poll", MAX_HELD_WAIT_MS],
    ]);
    q.holdForPickup(150);
    expect(q.held, "a hold asked for in the pause is refused").toBe(false);
    const next = q.run(job("poll 2"));
    await next;
    expect(ran.at(-1)).toEqual(["poll 2", MAX_HELD_WAIT_MS]);
    clock.advance(HOLD_PAUSE_MS);
    q.holdForPickup(150);
    expect(q.held, "and taken again after it").toBe(true);
  });

  it("a hold that runs out is a break: the next one is counted afresh", async () => {
    const { clock, q, ran, job } = rig();
    for (let i = 0; i < 3; i++) {
      q.holdForPickup(1000);
      clock.advance(1000); // ran out, nothing waiting
    }
    q.holdForPickup(1000);
    const poll = q.run(job("poll"));
    clock.advance(999);
    await settle();
    expect(ran).toEqual([]);
    clock.advance(1);
    await poll;
    expect(ran).toEqual([["poll", 4000]]);
  });

  it("keeps the inter-frame gap after the exchange before it, held or not", async () => {
    const { clock, q, ran, job } = rig(3);
    q.noteActivity();
    q.holdForPickup(1000);
    const pickup = q.run(job("pickup"), "pickup");
    clock.advance(2);
    await settle();
    expect(ran).toEqual([]);
    clock.advance(1);
    await pickup;
    expect(ran).toEqual([["pickup", 3]]);
  });
});
