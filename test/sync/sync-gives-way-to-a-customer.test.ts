/**
 * The sync loop's own writes on the event loop (marking batches sent, pruning) wait while the
 * kiosk acts for a customer, a bounded time each: under load on a Pi's CPU they were what a
 * customer's key and pickup queued behind.
 */
import { afterEach, expect, it } from "vitest";
import { GIVE_WAY_MAX_MS } from "../../src/basics/foreground.js";
import type { CentralLink } from "../../src/sync/central-link.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { recordedDoorsBank, type RecordedDoorsBank } from "../support/bank.js";
import { customerAtTheBank } from "../support/customer.js";
import { recordAnyEvent } from "../support/events.js";
import { silentLog } from "../support/log.js";
import { syncSettings } from "../support/sync-parts.js";

let bank: RecordedDoorsBank | null = null;
afterEach(async () => {
  await bank?.dispose();
  bank = null;
});

const link: CentralLink = {
  pushBatch: async (_bankId, events) => events.at(-1)!.seq,
  pullCommands: async () => [],
  close: async () => {},
};

function bankWithEvents(n: number): RecordedDoorsBank {
  const b = recordedDoorsBank();
  b.ctx.store.write(() => {
    for (let i = 0; i < n; i++) recordAnyEvent(b.ctx.store, { type: "test.filler", data: { i } }, b.clock.now());
  });
  return b;
}

it("marks a batch sent only once the kiosk is done with the customer", async () => {
  const b = (bank = bankWithEvents(5));
  const customer = customerAtTheBank();
  const loop = new SyncLoop({ ctx: b.ctx, link, log: silentLog, foreground: customer }, syncSettings("bank-1", { batchSize: 100 }));
  const run = loop.runOnce();
  await new Promise((r) => setTimeout(r, GIVE_WAY_MAX_MS / 4));
  expect(customer.asked).toBeGreaterThan(0);
  expect(b.ctx.store.outbox.stats().backlog).toBe(5);
  customer.done();
  expect(await run).toMatchObject({ sent: 5 });
  expect(b.ctx.store.outbox.stats().backlog).toBe(0);
});

it("waits for a customer GIVE_WAY_MAX_MS at most a write: a kiosk that never goes idle cannot stop sync", async () => {
  const b = (bank = bankWithEvents(5));
  const customer = customerAtTheBank(); // never done
  const loop = new SyncLoop({ ctx: b.ctx, link, log: silentLog, foreground: customer }, syncSettings("bank-1", { batchSize: 100 }));
  const t0 = performance.now();
  expect(await loop.runOnce()).toMatchObject({ sent: 5 });
  expect(performance.now() - t0).toBeGreaterThanOrEqual(GIVE_WAY_MAX_MS - 5);
  expect(b.ctx.store.outbox.stats().backlog).toBe(0);
});
