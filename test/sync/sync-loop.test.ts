import { describe, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { doorClosed, doorOpened } from "../../src/bank/door-outcomes.js";
import type { BankContext } from "../../src/bank/context.js";
import { recordLockerSnapshot } from "../../src/sync/snapshot.js";
import type { CentralLink } from "../../src/sync/central-link.js";
import type { RecordedDoorsBank as TestBank } from "../support/bank.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";
import { localAsCentral } from "../support/central.js";
import { recordAnyEvent } from "../support/events.js";

const central = useTestCentral();
const { bank, loop: newLoop } = useSyncParts();
const settings = syncSettings;

/** Deliver a parcel into a locker: assign, door opens, door closes. */
async function deliver(b: TestBank, size = "S", ref: string | null = null) {
  const a = await assignLocker(b.ctx, { size, trackingRef: ref });
  b.clock.advance(2000);
  doorOpened(b.ctx, a.intentId);
  b.clock.advance(5000);
  doorClosed(b.ctx, a.intentId);
  return a;
}

async function expectAgree(b: TestBank, bankId: string, ctx: BankContext = b.ctx) {
  const local = ctx.store.events.query({ limit: 1_000_000 });
  expect(local.every((e) => e.sentAt !== null)).toBe(true);
  expect(await central.events(bankId)).toEqual(localAsCentral(local));
}

describe("pushing the outbox", () => {
  it("lands batches exactly once and in order, and removes sent pickup codes locally", async () => {
    const b = bank();
    const { bankId, url, key } = await central.addBank();
    const deliveries = [];
    for (let i = 0; i < 4; i++) deliveries.push(await deliver(b, "S", `REF${i}`));
    b.clock.synchronised = false; // an event from before NTP synchronised
    await deliver(b, "M");
    recordLockerSnapshot(b.ctx); // what SyncLoop.start records: lockers no event named yet (B02)
    const loop = newLoop(b.ctx, central.link({ url, key }), settings(bankId, { batchSize: 3 }));
    const report = await loop.runOnce();
    const total = b.ctx.store.events.lastSeq();
    expect(report.sent).toBe(total);
    expect(report.batches).toBe(Math.ceil(total / 3));
    await expectAgree(b, bankId);
    expect(b.ctx.store.events.query({ type: "parcel.assigned" }).every((e) => !("pickupCode" in e.data) && !("pickupToken" in e.data) && !("sealedCodes" in e.data))).toBe(true);
    expect((await central.events(bankId)).some((e) => !e.clockSynced)).toBe(true);

    const parcels = await central.db.admin<{ parcel_id: string; status: string; tracking_ref: string }>(
      `SELECT parcel_id, status, tracking_ref FROM central.parcels WHERE bank_id = $1 AND tracking_ref IS NOT NULL ORDER BY tracking_ref`,
      [bankId],
    );
    expect(parcels.rows).toEqual(deliveries.map((d, i) => ({ parcel_id: d.parcelId, status: "STORED", tracking_ref: `REF${i}` })));
    const history = await central.db.admin<{ status: string }>(
      `SELECT status FROM central.parcel_history WHERE bank_id = $1 AND parcel_id = $2 AND status IS NOT NULL ORDER BY seq`,
      [bankId, deliveries[0]!.parcelId],
    );
    expect(history.rows.map((r) => r.status)).toEqual(["ASSIGNED", "STORED"]);

    // The lockers' projection matches the bank's own view.
    const lockers = await central.db.admin<{ locker_id: string; status: string }>(
      `SELECT locker_id, status FROM central.lockers WHERE bank_id = $1 ORDER BY locker_id`,
      [bankId],
    );
    expect(lockers.rows).toEqual(b.ctx.store.lockers.list().map((l) => ({ locker_id: l.id, status: l.status })).sort((x, y) => x.locker_id.localeCompare(y.locker_id)));

    const status = loop.status();
    expect(status).toMatchObject({ configured: true, backlog: 0, lastError: null, lagMs: 0, lastSentSeq: total, oldestUnsentAt: null });
    expect(status.lastSuccessAt).not.toBeNull();
  });

  it("a batch replayed changes nothing", async () => {
    const b = bank();
    const { bankId, url, key } = await central.addBank();
    await deliver(b);
    const link = central.link({ url, key });
    const loop = newLoop(b.ctx, link, settings(bankId));
    // Build the batch before the loop marks it sent, then deliver it again by hand.
    const batch = b.ctx.store.outbox.unsent(100);
    await loop.runOnce();
    const before = await central.events(bankId);
    expect(await link.pushBatch(bankId, batch)).toBe(batch.at(-1)!.seq);
    expect(await link.pushBatch(bankId, batch.slice(1, 3))).toBe(batch[2]!.seq);
    expect(await central.events(bankId)).toEqual(before);
    const history = await central.db.admin(`SELECT count(*)::int AS n FROM central.parcel_history WHERE bank_id = $1`, [bankId]);
    expect(history.rows[0].n).toBe(before.filter((e) => e.type.startsWith("parcel.")).length);
    await expectAgree(b, bankId);
  });

  it("a sequence number sent again with different content is an error that stays visible", async () => {
    const b = bank();
    const { bankId, url, key } = await central.addBank();
    await deliver(b);
    const loop = newLoop(b.ctx, central.link({ url, key }), settings(bankId));
    await loop.runOnce();
    const before = await central.events(bankId);
    // A restored backup or a rolled-back log: the backup was taken when only seq 1 had gone
    // up, and seq 2 is back with other content.
    b.ctx.store.db.prepare(`UPDATE events SET sent_at = NULL WHERE seq >= 2`).run();
    b.ctx.store.db.prepare(`UPDATE events SET data = json_set(data, '$.purpose', 'other') WHERE seq = 2`).run();
    const waiting = b.ctx.store.events.lastSeq() - 1;
    await expect(loop.runOnce()).rejects.toMatchObject({ code: "LK001" });
    const s = loop.status();
    expect(s.lastError).toMatch(/sequence conflict/);
    expect(s.backlog).toBe(waiting);
    expect(s.lastSentSeq).toBe(1);
    expect(await central.events(bankId)).toEqual(before);
    // Retrying does not make it go away silently.
    await expect(loop.runOnce()).rejects.toMatchObject({ code: "LK001" });
    expect(loop.status().backlog).toBe(waiting);
  });

  it("a sender killed between the central commit and the local mark re-sends without duplicates", async () => {
    const b = bank();
    const { bankId, url, key } = await central.addBank();
    for (let i = 0; i < 3; i++) await deliver(b);
    let killed = 0;
    const dying = newLoop(b.ctx, central.link({ url, key }), settings(bankId, { batchSize: 4 }), {
      afterCommit: () => {
        killed++;
        throw new Error("killed after commit");
      },
    });
    await expect(dying.runOnce()).rejects.toThrow("killed after commit");
    expect(killed).toBe(1);
    // Central holds the first batch; the bank does not know it.
    expect((await central.events(bankId)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(dying.status().backlog).toBe(b.ctx.store.events.lastSeq());
    await dying.stop();

    // The restarted daemon: a fresh loop on the same SQLite file.
    const ctx2 = b.reopen().ctx;
    const loop = newLoop(ctx2, central.link({ url, key }), settings(bankId, { batchSize: 4 }));
    await loop.runOnce();
    await expectAgree(b, bankId, ctx2);
  });

  it("reads a large batch in slices, letting other work run between them, without gaps or repeats", async () => {
    const b = bank();
    const record = (n: number) =>
      b.ctx.store.write(() => {
        for (let i = 0; i < n; i++) recordAnyEvent(b.ctx.store, { type: "test.filler", data: { i } }, b.clock.now());
      });
    record(2300);
    const batches: number[][] = [];
    const link: CentralLink = {
      pushBatch: (_bank, events) => {
        batches.push(events.map((e) => e.seq));
        return Promise.resolve(events.at(-1)!.seq);
      },
      pullCommands: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
    // Meanwhile the bank goes on: an event is recorded at every turn of the event loop.
    let turns = 0;
    let appending = true;
    const tick = () => {
      if (!appending) return;
      turns++;
      record(1);
      setImmediate(tick);
    };
    setImmediate(tick);
    const loop = newLoop(b.ctx, link, settings("B-slices", { batchSize: 1000 }));
    const report = await loop.runOnce();
    appending = false;
    // The first batch of 1000 took several turns to read: other work ran while it was read.
    expect(turns).toBeGreaterThan(1);
    expect(batches[0]).toHaveLength(1000);
    const sent = batches.flat();
    expect(batches.every((batch) => batch.length <= 1000)).toBe(true);
    expect(sent).toEqual(Array.from({ length: sent.length }, (_, i) => i + 1));
    expect(report.sent).toBe(sent.length);
    expect(sent.length).toBeGreaterThanOrEqual(2300);
    await loop.runOnce(); // whatever was recorded after the last read
    expect(loop.status().backlog).toBe(0);
  });

  it("marks a large batch sent in slices, letting other work run between them", async () => {
    const b = bank();
    b.ctx.store.write(() => {
      for (let i = 0; i < 11_000; i++) recordAnyEvent(b.ctx.store, { type: "test.filler", data: { i } }, b.clock.now());
    });
    let turnsAfterPush = 0;
    let counting = false;
    const tick = () => {
      if (!counting) return;
      turnsAfterPush++;
      setImmediate(tick);
    };
    const link: CentralLink = {
      pushBatch: (_bank, events) => {
        counting = true;
        setImmediate(tick);
        return Promise.resolve(events.at(-1)!.seq);
      },
      pullCommands: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
    const loop = newLoop(b.ctx, link, settings("B-marks", { batchSize: 20_000 }));
    const report = await loop.runOnce();
    counting = false;
    expect(report).toMatchObject({ sent: 11_000, batches: 1 });
    expect(turnsAfterPush).toBeGreaterThan(1);
    expect(loop.status()).toMatchObject({ backlog: 0, lastSentSeq: 11_000 });
  });

  it("prunes sent events past retention and never unsent ones", async () => {
    const b = bank();
    const { bankId, url, key } = await central.addBank();
    await deliver(b);
    const loop = newLoop(b.ctx, central.link({ url, key }), settings(bankId, { retentionMs: 86_400_000, pruneEveryMs: 1 }));
    await loop.runOnce();
    const sent = b.ctx.store.events.lastSeq();
    b.clock.advance(2 * 86_400_000);
    await deliver(b); // new events, unsent while the link is down
    const offline = newLoop(b.ctx, { pushBatch: () => Promise.reject(new Error("offline")), pullCommands: () => Promise.resolve([]), close: () => Promise.resolve() }, settings(bankId, { retentionMs: 86_400_000 }));
    await expect(offline.runOnce()).rejects.toThrow("offline");
    b.clock.advance(1);
    const report = await loop.runOnce();
    expect(report.pruned).toBe(sent);
    expect(b.ctx.store.events.query({ limit: 1000 })[0]!.seq).toBe(sent + 1);
    // what was sent is still central
    expect((await central.events(bankId)).length).toBe(b.ctx.store.events.lastSeq());
  });
});
