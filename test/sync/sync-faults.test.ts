/**
 * Faults between the bank and the central database: the server stopped in the middle of a
 * batch, a connection cut mid-batch, a bank offline for a week. After each, the central
 * database and the bank's log agree event for event.
 */
import { expect, it, vi } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { doorClosed, doorOpened } from "../../src/bank/door-outcomes.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import type { CentralLink } from "../../src/sync/central-link.js";
import type { SyncSettings } from "../../src/sync/loop.js";
import type { RecordedDoorsBank as TestBank } from "../support/bank.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";
import { createTestCentral, localAsCentral, type TestCentral } from "../support/central.js";
import { startPrivateCluster } from "../support/postgres-setup.js";
import { recordAnyEvent } from "../support/events.js";

const central = useTestCentral();
const { bank, loop: loopFor } = useSyncParts();

const settings = (bankId: string, over: Partial<SyncSettings> = {}): SyncSettings => syncSettings(bankId, { batchSize: 5, backoffMinMs: 5, backoffMaxMs: 50, ...over });

async function busyBank(parcels: number): Promise<TestBank> {
  const b = bank();
  for (let i = 0; i < parcels; i++) {
    const a = await assignLocker(b.ctx, { size: "S", trackingRef: `R${i}` });
    b.clock.advance(1500);
    doorOpened(b.ctx, a.intentId);
    b.clock.advance(4000);
    doorClosed(b.ctx, a.intentId);
    b.clock.advance(60_000);
    // the unlock goes out once the pickup's commit is on disk
    await pickupByCode(b.ctx, a.pickupCode, { channel: "keypad" });
    const opened = b.doors.unlocked.at(-1)!;
    doorOpened(b.ctx, opened.intentId);
    doorClosed(b.ctx, opened.intentId);
  }
  return b;
}

async function expectAgree(c: TestCentral, b: TestBank, bankId: string) {
  const local = b.ctx.store.events.query({ limit: 1_000_000 });
  expect(local.length).toBeGreaterThan(0);
  expect(local.every((e) => e.sentAt !== null)).toBe(true);
  expect(await c.events(bankId)).toEqual(localAsCentral(local));
}

it("PostgreSQL stopped in the middle of a batch and started again: nothing lost, nothing twice", async () => {
  const cluster = await startPrivateCluster();
  const own = await createTestCentral(cluster.adminUrl);
  try {
    const b = await busyBank(3);
    const { bankId, url, key } = await own.addBank();
    let commits = 0;
    const link = own.link({ url, key }, {
      beforeCommit: () => {
        // the second batch: ingested, not committed, when the server goes down
        if (++commits === 2) cluster.halt();
      },
    });
    const loop = loopFor(b.ctx, link, settings(bankId));
    await expect(loop.runOnce()).rejects.toThrow();
    expect(loop.status().lastError).not.toBeNull();
    expect(loop.status().lastSentSeq).toBe(5);
    cluster.resume();
    expect((await own.events(bankId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    await loop.runOnce();
    expect(loop.status()).toMatchObject({ backlog: 0, lastError: null });
    await expectAgree(own, b, bankId);
  } finally {
    await own.close().catch(() => {});
    cluster.stop();
  }
});

it("a connection cut in the middle of a batch reconnects and finishes", async () => {
  const b = await busyBank(3);
  const { bankId, role, url, key } = await central.addBank();
  let commits = 0;
  const link = central.link({ url, key }, {
    beforeCommit: async () => {
      if (++commits !== 2) return;
      await central.db.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
    },
  });
  const loop = loopFor(b.ctx, link, settings(bankId));
  await expect(loop.runOnce()).rejects.toThrow();
  await loop.runOnce();
  await expectAgree(central, b, bankId);
});

it("keeps retrying with backoff while offline, the bank working on, and catches up by itself", async () => {
  const b = await busyBank(2);
  const { bankId, url, key } = await central.addBank();
  const real = central.link({ url, key });
  let online = false;
  let attempts = 0;
  const link: CentralLink = {
    pushBatch: (id, events) => {
      attempts++;
      return online ? real.pushBatch(id, events) : Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));
    },
    pullCommands: (id, n) => (online ? real.pullCommands(id, n) : Promise.reject(new Error("offline"))),
    close: () => real.close(),
  };
  const loop = loopFor(b.ctx, link, settings(bankId, { intervalMs: 20 }));
  loop.start();
  await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(3), { timeout: 5000, interval: 10 });
  expect(loop.status().lastError).toMatch(/ECONNREFUSED/);
  // the bank carries on offline
  const a = await assignLocker(b.ctx, { size: "M", trackingRef: "offline" });
  expect(a.pickupCode).toMatch(/^\d{8}$/);
  online = true;
  await vi.waitFor(() => expect(loop.status()).toMatchObject({ backlog: 0, lastError: null }), { timeout: 10_000, interval: 20 });
  await loop.stop();
  await expectAgree(central, b, bankId);
});

it("a bank offline for a simulated week catches up a 50,000-event backlog", async () => {
  const b = bank();
  const week = 7 * 86_400_000;
  const total = 50_000;
  const step = Math.floor(week / total);
  // A busy week: door sensor traffic between real deliveries and pickups.
  let rounds = 0;
  while (b.ctx.store.events.lastSeq() < total) {
    b.ctx.store.write(() => {
      for (let i = 0; i < 480; i++) {
        b.clock.advance(step);
        recordAnyEvent(b.ctx.store, { type: "door.position", lockerId: "B02", data: { position: i % 2 ? "open" : "closed" } }, b.clock.now());
      }
    });
    const a = await assignLocker(b.ctx, { size: "S", trackingRef: `W${rounds++}` });
    doorOpened(b.ctx, a.intentId);
    doorClosed(b.ctx, a.intentId);
    // the unlock goes out once the pickup's commit is on disk
    await pickupByCode(b.ctx, a.pickupCode, { channel: "keypad" });
    const opened = b.doors.unlocked.at(-1)!;
    doorOpened(b.ctx, opened.intentId);
    doorClosed(b.ctx, opened.intentId);
  }
  const { bankId, url, key } = await central.addBank();
  const unreachable = central.link({ url: "postgresql://nobody:x@127.0.0.1:1/none", key });
  const offline = loopFor(b.ctx, unreachable, settings(bankId));
  await expect(offline.runOnce()).rejects.toThrow();
  const s = offline.status();
  expect(s.backlog).toBe(b.ctx.store.events.lastSeq());
  expect(s.lagMs).toBeGreaterThanOrEqual(week - 86_400_000);

  const loop = loopFor(b.ctx, central.link({ url, key }), settings(bankId, { batchSize: 5000 }));
  const report = await loop.runOnce();
  expect(report.sent).toBe(b.ctx.store.events.lastSeq());
  expect(report.batches).toBe(Math.ceil(report.sent / 5000));
  await expectAgree(central, b, bankId);
  const partitions = await central.db.admin<{ n: number }>(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'central.events'::regclass`);
  expect(partitions.rows[0]!.n).toBeGreaterThanOrEqual(1);
}, 120_000);
