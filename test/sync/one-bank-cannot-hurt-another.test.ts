/**
 * What one bank's own login (the shared ingest role with its key) could once do to other banks,
 * each tried again here and failing: hold another bank's or the partition lock, multiply
 * partitions with absurd event times, and forge events ahead of a bank's real ones (with a
 * leaked key: the center records the conflict, the operator rotates and resolves, the bank
 * carries on).
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { createBank } from "../../src/central/banks.js";
import { listConflicts, resolveConflict } from "../../src/central/sequence-conflicts.js";
import { recordLockerSnapshot } from "../../src/sync/snapshot.js";
import { ingestAs, type TestBankLogin } from "../support/central.js";
import { deliver, deliverAndCollect, expectCentralHoldsLog, expectProjectionsOwn } from "../support/fleet.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";

const central = useTestCentral();
const { bank, loop: newLoop } = useSyncParts();
let attacker: TestBankLogin;
let asAttacker: pg.Client;

beforeAll(async () => {
  attacker = await central.addBank("attacker");
  asAttacker = new pg.Client({ connectionString: attacker.url });
  await asAttacker.connect();
});
afterAll(async () => {
  await asAttacker.end();
});

const monthStart = (back: number) => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1);
};
const ev = (seq: number, at: number, type = "test.event") => [seq, at, true, type, null, null, { seq }];

/** A victim bank's ingest through its own connection, timed. */
async function timedIngest(victim: TestBankLogin, c: pg.Client, events: unknown[]): Promise<number> {
  const t0 = Date.now();
  await ingestAs(c, victim.bankId, victim.key, JSON.stringify(events));
  return Date.now() - t0;
}

it("holding the advisory locks ingest once took (another bank's, the partitions') delays no one: ingest takes row locks no bank can touch", async () => {
  const victim = await central.addBank("victim-locks");
  const c = new pg.Client({ connectionString: victim.url });
  await c.connect();
  try {
    // every advisory lock of migration 1, held by the attacker's session for as long as it likes
    await asAttacker.query(`SELECT pg_advisory_lock(hashtext('central.ingest'), hashtext('victim-locks'))`);
    await asAttacker.query(`SELECT pg_advisory_lock(hashtext('central.events partitions'))`);
    // the victim's batch needs a partition no one has made yet (a month's turn)
    expect(await timedIngest(victim, c, [ev(1, monthStart(9) + 1000), ev(2, monthStart(8) + 1000)])).toBeLessThan(3000);
    expect((await central.events(victim.bankId)).map((e) => e.seq)).toEqual([1, 2]);
  } finally {
    await asAttacker.query(`SELECT pg_advisory_unlock_all()`);
    await c.end();
  }
});

it("a transaction the attacker leaves open after its own ingest holds up no other bank, not even one making a new month", async () => {
  const victim = await central.addBank("victim-idle");
  const c = new pg.Client({ connectionString: victim.url });
  await c.connect();
  try {
    await ingestAs(asAttacker, attacker.bankId, attacker.key, JSON.stringify([ev(1, monthStart(7) + 1000)]));
    await asAttacker.query("BEGIN");
    // its own new events, then the same again (a re-send reads every partition), then idle
    await ingestAs(asAttacker, attacker.bankId, attacker.key, JSON.stringify([ev(2, monthStart(7) + 2000)]));
    await ingestAs(asAttacker, attacker.bankId, attacker.key, JSON.stringify([ev(1, monthStart(7) + 1000), ev(2, monthStart(7) + 2000)]));
    // the victim needs a month no one has made: it waits at most a moment, and its events land
    expect(await timedIngest(victim, c, [ev(1, monthStart(6) + 1000), ev(2, monthStart(5) + 1000)])).toBeLessThan(3000);
    expect(await timedIngest(victim, c, [ev(3, monthStart(7) + 3000)])).toBeLessThan(3000);
    expect((await central.events(victim.bankId)).map((e) => e.seq)).toEqual([1, 2, 3]);
  } finally {
    await asAttacker.query("ROLLBACK");
    await c.end();
  }
});

it("one batch with an event a month since 1980 makes no partition outside the plausible window; the rest wait in one default partition", async () => {
  const before = await partitions();
  const start = Date.UTC(1980, 0, 15);
  const months: unknown[] = [];
  for (let m = 0, t = start; t < monthStart(-24); m++, t = Date.UTC(1980, m, 15)) months.push(ev(1000 + m, t));
  expect(months.length).toBeGreaterThan(550);
  const t0 = Date.now();
  expect(await ingestAs(asAttacker, attacker.bankId, attacker.key, JSON.stringify(months))).toBe(1000 + months.length - 1);
  const made = (await partitions()).filter((p) => !before.includes(p));
  // the window is the twelve months before this one up to next month: 14 at most
  expect(made.length).toBeLessThanOrEqual(14);
  expect(Date.now() - t0).toBeLessThan(10_000);
  const outliers = await central.db.admin<{ n: number }>(`SELECT count(*)::int AS n FROM central.events_outliers WHERE bank_id = 'attacker'`);
  expect(outliers.rows[0]!.n).toBeGreaterThanOrEqual(months.length - 14);
  // every event is held, in order, whatever partition it sits in
  const held = await central.db.admin<{ n: number }>(`SELECT count(*)::int AS n FROM central.events WHERE bank_id = 'attacker' AND seq >= 1000`);
  expect(held.rows[0]!.n).toBe(months.length);
  // and the same again, later months: nothing more made
  const again = months.map((e, i) => ev(5000 + i, (e as number[])[1]! + 86_400_000));
  await ingestAs(asAttacker, attacker.bankId, attacker.key, JSON.stringify(again));
  expect((await partitions()).length).toBe(before.length + made.length);
});

it("events forged ahead of a bank's real ones with its leaked key: the bank meets a recorded conflict, the operator rotates and resolves, and the bank's own log wins", async () => {
  const real = await central.addBank("victim-forged");
  const b = bank();
  recordLockerSnapshot(b.ctx);
  for (let i = 0; i < 2; i++) await deliverAndCollect(b, `real-${i}`, 20_000);
  await deliver(b, "real-kept");
  const settings = syncSettings(real.bankId, { batchSize: 50 });
  const first = newLoop(b.ctx, central.link(real), settings);
  await first.runOnce();
  const synced = b.ctx.store.events.lastSeq();

  // the leaked key: forged events at the seqs the bank will use next (a parcel "picked up")
  const kept = (await central.db.admin<{ parcel_id: string; locker_id: string }>(`SELECT parcel_id, locker_id FROM central.parcels WHERE bank_id = $1 AND status = 'STORED'`, [real.bankId])).rows[0]!;
  const thief = new pg.Client({ connectionString: real.url });
  await thief.connect();
  try {
    const at = b.clock.now();
    await ingestAs(thief, real.bankId, real.key, JSON.stringify([
      [synced + 1, at, true, "parcel.picked_up", kept.locker_id, kept.parcel_id, { channel: "keypad" }],
      [synced + 2, at + 1, true, "locker.released", kept.locker_id, kept.parcel_id, {}],
    ]));
    // the real bank goes on and meets them
    await assignLocker(b.ctx, { size: "S", trackingRef: "after-the-leak" });
    await expect(first.runOnce()).rejects.toMatchObject({ code: "LK001" });
    expect(first.status().lastError).toMatch(/^sequence conflict/);
    expect(first.status().backlog).toBeGreaterThan(0);

    // the operator sees it: which bank, which seqs, the events held from there
    const admin = new pg.Client({ connectionString: central.db.url });
    await admin.connect();
    try {
      const [conflict] = await listConflicts(admin, real.bankId);
      expect(conflict).toMatchObject({ bankId: real.bankId, firstSeq: synced + 1, heldLastSeq: synced + 2, attempts: 1 });
      expect(conflict!.held.map((e) => e.type)).toEqual(["parcel.picked_up", "locker.released"]);
      // rotates the leaked key (the thief is out at once) and resolves from the first forged seq
      const rotated = await createBank(admin, { bankId: real.bankId, rotate: true });
      await expect(ingestAs(thief, real.bankId, real.key, JSON.stringify([ev(synced + 10, at)]))).rejects.toMatchObject({ code: "28000" });
      expect(await resolveConflict(admin, real.bankId, conflict!.firstSeq!, "key leaked; rotated")).toEqual({ quarantined: 2, kept: synced });
      expect(await listConflicts(admin, real.bankId)).toEqual([]);
      const q = await admin.query<{ seq: string; type: string; reason: string }>(`SELECT seq, type, reason FROM central.events_quarantine WHERE bank_id = $1 ORDER BY seq`, [real.bankId]);
      expect(q.rows.map((r) => [Number(r.seq), r.type, r.reason])).toEqual([[synced + 1, "parcel.picked_up", "key leaked; rotated"], [synced + 2, "locker.released", "key leaked; rotated"]]);

      // the bank, given its new key, carries on: its own log is what the center holds
      const resumed = newLoop(b.ctx, central.link({ url: real.url, key: rotated.key }), settings);
      await resumed.runOnce();
      expect(resumed.status()).toMatchObject({ backlog: 0, lastError: null });
      await expectCentralHoldsLog(central, b, real.bankId);
      await expectProjectionsOwn(central, b, real.bankId);
    } finally {
      await admin.end();
    }
  } finally {
    await thief.end();
  }
});

async function partitions(): Promise<string[]> {
  const r = await central.db.admin<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'central.events'::regclass ORDER BY 1`);
  return r.rows.map((x) => x.name);
}
