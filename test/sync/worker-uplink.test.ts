/**
 * The daemon's uplink: batches read, encoded and sent from a worker thread with its own
 * read-only connection, marked by the store in the main thread. The same exactly-once
 * behaviour as sending from the main thread, including a worker cut off mid-catch-up.
 */
import { afterEach, expect, it, vi } from "vitest";
import type { RecordedDoorsBank } from "../support/bank.js";
import { localAsCentral, type TestBankLogin } from "../support/central.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { WorkerUplink } from "../../src/sync/worker-uplink.js";
import { recordAnyEvent } from "../support/events.js";
import { silentLog } from "../support/log.js";

const central = useTestCentral();
const { bank } = useSyncParts();
const uplinks: WorkerUplink[] = [];
afterEach(async () => {
  for (const u of uplinks.splice(0)) await u.close();
});

function fill(b: RecordedDoorsBank, n: number): void {
  b.ctx.store.write(() => {
    for (let i = 0; i < n; i++) recordAnyEvent(b.ctx.store, { type: i % 7 ? "test.filler" : "parcel.assigned", data: { i, pickupCode: "12345678" } }, b.clock.now());
  });
}

function workerLoop(b: RecordedDoorsBank, login: TestBankLogin, hooks?: ConstructorParameters<typeof SyncLoop>[0]["hooks"]): SyncLoop {
  const uplink = new WorkerUplink({ dbPath: b.dbPath, connection: { connectionString: login.url, connectionTimeoutMillis: 5000 }, bankKey: login.key });
  uplinks.push(uplink);
  return new SyncLoop({ ctx: b.ctx, link: uplink, log: silentLog, hooks }, syncSettings(login.bankId, { batchSize: 700 }));
}

it("sends a backlog from the worker thread exactly once, in order, and the store marks it and drops the codes", async () => {
  const b = bank();
  const login = await central.addBank();
  const { bankId } = login;
  fill(b, 3000);
  const report = await workerLoop(b, login).runOnce();
  expect(report).toMatchObject({ sent: 3000, batches: 5 });
  const local = b.ctx.store.events.query({ limit: 1_000_000 });
  expect(local.every((e) => e.sentAt !== null)).toBe(true);
  expect(local.filter((e) => e.type === "parcel.assigned").every((e) => e.data.pickupCode === undefined)).toBe(true);
  const centrally = await central.events(bankId);
  expect(centrally.map((e) => e.seq)).toEqual(local.map((e) => e.seq));
});

it("a worker cut off between a central commit and the local mark: the next one re-sends, nothing twice", async () => {
  const b = bank();
  const login = await central.addBank();
  const { bankId } = login;
  fill(b, 2500);
  let commits = 0;
  const dying = workerLoop(b, login, {
    afterCommit: () => {
      if (++commits === 2) throw new Error("killed after commit");
    },
  });
  await expect(dying.runOnce()).rejects.toThrow("killed after commit");
  // the first batch was marked; the second is held centrally but not marked here
  expect(dying.status()).toMatchObject({ lastSentSeq: 700, backlog: 1800 });
  expect((await central.events(bankId)).length).toBe(1400);
  await dying.stop();

  const loop = workerLoop(b, login);
  await loop.runOnce();
  expect(loop.status()).toMatchObject({ backlog: 0, lastSentSeq: 2500 });
  expect(await central.events(bankId)).toEqual(localAsCentral(b.ctx.store.events.query({ limit: 1_000_000 })));
});

it("the card held for a customer holds the worker's own flush before its next batch, until released", async () => {
  const b = bank();
  const login = await central.addBank();
  fill(b, 1400);
  const commits: number[] = [];
  let heldAt = 0;
  const loop = workerLoop(b, login, {
    afterCommit: () => {
      commits.push(performance.now());
      if (commits.length === 1) {
        // a customer's pickup is imminent: no flush for others, the worker's included
        b.ctx.store.holdFlushes(5_000);
        heldAt = performance.now();
        setTimeout(() => b.ctx.store.releaseFlushes(), 400);
      }
    },
  });
  loop.start();
  try {
    await vi.waitFor(() => expect(b.ctx.store.outbox.stats().backlog).toBe(0), { timeout: 20_000, interval: 50 });
  } finally {
    await loop.stop();
  }
  expect(commits.length).toBeGreaterThanOrEqual(2); // (and the lockers' snapshot start() records)
  // the second batch left only once the hold was released (400 ms), not at once, and well before the hold's 5 s
  expect(commits[1]! - heldAt).toBeGreaterThanOrEqual(350);
  expect(commits[1]! - heldAt).toBeLessThan(3_000);
});
