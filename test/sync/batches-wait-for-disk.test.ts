/**
 * A batch leaves for the center only once the events in it are on disk at the bank: the center
 * must never hold a seq the bank could lose in a power cut and then reuse for another event.
 */
import { afterEach, expect, it } from "vitest";
import type { CentralLink } from "../../src/sync/central-link.js";
import { SyncLoop } from "../../src/sync/loop.js";
import type { OutboxEvent } from "../../src/store/sync-outbox.js";
import { recordedDoorsBank, type RecordedDoorsBank } from "../support/bank.js";
import { recordAnyEvent } from "../support/events.js";
import { silentLog } from "../support/log.js";
import { slowCard } from "../support/slow-card.js";
import { syncSettings } from "../support/sync-parts.js";

let bank: RecordedDoorsBank | null = null;
afterEach(async () => {
  await bank?.dispose();
  bank = null;
});

it("the sync loop sends a batch only after the flush that carries its events", async () => {
  const card = slowCard();
  bank = recordedDoorsBank({ flush: { sync: card.sync } });
  const b = bank;
  const sent: OutboxEvent[][] = [];
  const link: CentralLink = {
    pushBatch: async (_bankId, events) => {
      sent.push([...events]);
      return events.at(-1)!.seq;
    },
    pullCommands: async () => [],
    close: async () => {},
  };
  card.hold();
  b.ctx.store.write(() => {
    for (let i = 0; i < 5; i++) recordAnyEvent(b.ctx.store, { type: "test.filler", data: { i } }, b.clock.now());
  });
  const loop = new SyncLoop({ ctx: b.ctx, link, log: silentLog }, syncSettings("bank-1", { batchSize: 100 }));
  const run = loop.runOnce();
  for (let i = 0; i < 50 && card.waiting() === 0; i++) await new Promise((r) => setTimeout(r, 5));
  expect(card.waiting()).toBe(1);
  expect(sent).toEqual([]);
  card.release();
  const report = await run;
  expect(report).toMatchObject({ sent: 5 });
  expect(sent.flat().map((e) => e.seq)).toEqual(b.ctx.store.events.query({ limit: 100 }).map((e) => e.seq));
});
