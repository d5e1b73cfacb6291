/** No answer and no live event shows a commit the card has not confirmed (api/durable-answers.ts). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slowCard } from "../support/slow-card.js";
import { call, openStream, startBank, TOKENS, until, type TestBank } from "./support.js";

const card = slowCard();
let bank: TestBank;
beforeAll(async () => {
  bank = await startBank({ person: false, daemon: { flush: { sync: card.sync } } });
});
afterAll(async () => {
  card.release();
  await bank.stop();
});

const settle = () => new Promise((r) => setTimeout(r, 150));

describe("answers wait for the disk", () => {
  it("a read, an answer and the live stream all wait while a commit is not yet on disk, then go out in order", async () => {
    const stream = openStream(bank.url, "/events/stream", { token: TOKENS.kiosk });
    try {
      expect(await stream.opened).toBe(200);
      // nothing in flight: a read is answered at once
      expect((await call(bank.url, "/lockers/status", { token: TOKENS.monitor })).status).toBe(200);

      card.hold();
      let assignAnswer = 0;
      const assigning = call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "S", parcel: "HELD-1" } }).then((r) => {
        assignAnswer = Date.now();
        return r;
      });
      await until("the assignment committed", () => bank.daemon.store.parcels.find({ trackingRef: "HELD-1" }).length === 1);
      const parcel = bank.daemon.store.parcels.find({ trackingRef: "HELD-1" })[0]!;
      let readAnswer = 0;
      const reading = call(bank.url, `/packages/${parcel.id}`, { token: TOKENS.monitor }).then((r) => {
        readAnswer = Date.now();
        return r;
      });
      await settle();
      // the card holds the flush: the read that would show the parcel, the courier's answer and
      // the live event all wait
      expect(card.waiting()).toBeGreaterThan(0);
      expect(readAnswer).toBe(0);
      expect(assignAnswer).toBe(0);
      expect(stream.bankEvents().some((e) => e.event === "parcel.assigned")).toBe(false);
      expect(bank.sim.pulses).toEqual([]);

      const released = Date.now();
      card.release();
      const [read, assigned] = await Promise.all([reading, assigning]);
      expect(read.status).toBe(200);
      expect(read.text).toContain(parcel.id);
      expect(assigned.status).toBe(201);
      expect(Math.min(readAnswer, assignAnswer)).toBeGreaterThanOrEqual(released);
      await until("the live event", () => stream.bankEvents().some((e) => e.event === "parcel.assigned"));
      expect(bank.sim.pulses.map((p) => p.lockerId)).toEqual([parcel.lockerId]);
    } finally {
      card.release();
      stream.close();
    }
  });
});
