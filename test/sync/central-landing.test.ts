/**
 * Landing (central migration 9): under contention a bank's batch is made durable and
 * acknowledged, and projected later by the projector. Nothing a bank sends is lost or doubled
 * across the landing: re-sent and conflicting batches are told apart as before, a projector
 * killed in the middle of its transaction leaves every batch to be projected once, several
 * projectors at once never project a batch twice, and a landed bank ends up with the very
 * projections a bank ingested inline has.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { projectAll, projectionBacklog, projectOnce } from "../../src/central/projection/project.js";
import { ingestAs, type TestBankLogin } from "../support/central.js";
import { useTestCentral } from "../support/sync-parts.js";

const central = useTestCentral();
const T0 = Date.now() - 3_600_000;
type Ev = [seq: number, type: string, lockerId: string | null, parcelId: string | null, data: Record<string, unknown>];
const batch = (events: Ev[]) => JSON.stringify(events.map((e) => [e[0], T0 + e[0] * 1000, true, e[1], e[2], e[3], e[4]]));
const sealed = { v: 1, sealed: "opaque-envelope" };

/** A bank's day in four batches: a snapshot, parcels in and out, an alarm raised and cleared. */
function day(): Ev[][] {
  return [
    [
      [1, "lockers.snapshot", null, null, { lockers: [
        { id: "L1", size: "S", status: "AVAILABLE", serviceReason: null, parcelId: null },
        { id: "L2", size: "M", status: "AVAILABLE", serviceReason: null, parcelId: null },
        { id: "L3", size: "L", status: "AVAILABLE", serviceReason: null, parcelId: null },
      ] }],
      [2, "parcel.assigned", "L1", "p1", { trackingRef: "T1", size: "S", lockerSize: "S", expiresAt: T0 + 86_400_000, sealedCodes: sealed }],
      [3, "parcel.stored", "L1", "p1", {}],
    ],
    [
      [4, "parcel.assigned", "L2", "p2", { trackingRef: "T2", size: "M", lockerSize: "M", expiresAt: T0 + 86_400_000, sealedCodes: sealed }],
      [5, "parcel.stored", "L2", "p2", {}],
      [6, "alarm.door_forced", "L3", null, { how: "opened" }],
    ],
    [
      [7, "parcel.picked_up", "L1", "p1", {}],
      [8, "locker.released", "L1", "p1", {}],
      [9, "alarm.door_closed", "L3", null, {}],
    ],
    [
      [10, "locker.out_of_service", "L3", null, { reason: "vandalised" }],
      [11, "parcel.deadline_changed", "L2", "p2", { to: T0 + 2 * 86_400_000 }],
    ],
  ];
}

let slots: pg.Client;
/** Every inline slot taken, as by banks busy projecting: every batch that can land, lands. */
async function holdSlots(): Promise<void> {
  await slots.query("BEGIN");
  await slots.query("SELECT slot FROM central.projection_inline_slots FOR UPDATE");
}
const releaseSlots = () => slots.query("COMMIT");

const logins: pg.Client[] = [];
async function bankLogin(id: string): Promise<{ login: TestBankLogin; c: pg.Client }> {
  const login = await central.addBank(id);
  const c = new pg.Client({ connectionString: login.url });
  await c.connect();
  logins.push(c);
  return { login, c };
}

beforeAll(async () => {
  slots = new pg.Client({ connectionString: central.db.url });
  await slots.connect();
});
afterAll(async () => {
  for (const c of logins) await c.end();
  await slots.end();
});

const landed = async (bankId: string) =>
  (await central.db.admin<{ n: number }>(`SELECT count(*)::int AS n FROM central.landed_batches WHERE bank_id = $1`, [bankId])).rows[0]!.n;
const eventCount = async (bankId: string) =>
  (await central.db.admin<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d FROM central.events WHERE bank_id = $1`, [bankId])).rows[0]!;

/** A bank's projections without its id: lockers, locker counts, parcels (sealed codes included), open alarms. */
async function projections(bankId: string): Promise<unknown> {
  const q = async (sql: string) => (await central.db.admin(sql, [bankId])).rows;
  return {
    lockers: await q(`SELECT locker_id, status, size, service_reason, parcel_id, status_seq, last_seq, last_event_type FROM central.lockers WHERE bank_id = $1 ORDER BY locker_id`),
    counts: await q(`SELECT size, status, n FROM central.locker_counts WHERE bank_id = $1 AND n > 0 ORDER BY size, status`),
    parcels: await q(`SELECT parcel_id, locker_id, status, status_seq, sealed_codes, expires_at, stored_at, picked_up_at FROM central.parcels WHERE bank_id = $1 ORDER BY parcel_id`),
    alarms: await q(`SELECT kind, locker_id, raised_seq, last_seq, cleared_seq FROM central.alarms WHERE bank_id = $1 ORDER BY kind, locker_id`),
    bank: await q(`SELECT last_seq, GREATEST(last_seq, landed_seq) AS acknowledged, last_event_at FROM central.banks WHERE id = $1`),
  };
}

it("a batch landed under contention is acknowledged at once, held by no projection until the projector runs, then projected as an inline bank's", async () => {
  const inline = await bankLogin("INLINE");
  for (const b of day()) expect(await ingestAs(inline.c, "INLINE", inline.login.key, batch(b))).toBe(b.at(-1)![0]);
  expect(await landed("INLINE")).toBe(0);

  const late = await bankLogin("LANDED");
  await holdSlots();
  try {
    for (const b of day()) expect(await ingestAs(late.c, "LANDED", late.login.key, batch(b))).toBe(b.at(-1)![0]);
  } finally {
    await releaseSlots();
  }
  expect(await landed("LANDED")).toBe(4);
  expect(await eventCount("LANDED")).toEqual({ n: 0, d: 0 });
  expect(await projectionBacklog({ query: (s: string) => central.db.admin(s) } as pg.ClientBase)).toMatchObject({ batches: 4, events: 11, banks: 1, failing: 0 });

  // the bank's next batch while its earlier ones wait lands behind them, slots free or not
  const next: Ev[] = [[12, "parcel.cancelled", "L2", "p2", { reason: "sender cancelled" }]];
  expect(await ingestAs(late.c, "LANDED", late.login.key, batch(next))).toBe(12);
  expect(await landed("LANDED")).toBe(5);
  // and so does any bank's while batches wait (a storm is on): no bank is held by projections then
  expect(await ingestAs(inline.c, "INLINE", inline.login.key, batch(next))).toBe(12);
  expect(await landed("INLINE")).toBe(1);

  expect(await central.project()).toEqual({ batches: 6, events: 13 });
  expect(await landed("LANDED")).toBe(0);
  expect(await eventCount("LANDED")).toEqual({ n: 12, d: 12 });
  expect(await projections("LANDED")).toEqual(await projections("INLINE"));
});

it("re-sent and conflicting batches are told apart while the first sending waits landed, as before landing", async () => {
  const { login, c } = await bankLogin("RESEND");
  const [b1, b2] = day();
  await holdSlots();
  try {
    expect(await ingestAs(c, "RESEND", login.key, batch(b1!))).toBe(3);
    expect(await ingestAs(c, "RESEND", login.key, batch(b2!))).toBe(6);
    expect(await landed("RESEND")).toBe(2);
    // the answer to batch 2 was lost: sent again, acknowledged, held once (the bank's own call projects what waited)
    expect(await ingestAs(c, "RESEND", login.key, batch(b2!))).toBe(6);
    expect(await landed("RESEND")).toBe(0);
    expect(await eventCount("RESEND")).toEqual({ n: 6, d: 6 });
    // the same seq with other content: refused and recorded, as before
    const forged = b2!.map((e): Ev => [e[0], e[1], e[2], e[3], { ...e[4], forged: true }]);
    await expect(ingestAs(c, "RESEND", login.key, batch(forged))).rejects.toMatchObject({ code: "LK001" });
    const conflicts = await central.db.admin(`SELECT first_seq, last_seq FROM central.sequence_conflicts WHERE bank_id = 'RESEND'`);
    expect(conflicts.rows).toEqual([{ first_seq: "4", last_seq: "6" }]);
    // a batch that is not one run of new seqs (a gap inside) is not landed: ingested as before, gap and all
    expect(await ingestAs(c, "RESEND", login.key, batch([[7, "test.event", null, null, {}], [9, "test.event", null, null, {}]]))).toBe(9);
    expect(await landed("RESEND")).toBe(0);
    // a malformed event is refused with the same error as before landing
    await expect(c.query(`SELECT * FROM central.ingest_batch('RESEND', $1, $2::jsonb)`, [login.key, JSON.stringify([[10, T0, true, "test.event", null, null, "not an object"]])]))
      .rejects.toMatchObject({ code: "22023", message: expect.stringContaining("event 1 of the batch is not") });
    // a plain code (a bank older than sealing) is never kept, not even landed
    expect(await ingestAs(c, "RESEND", login.key, batch([[10, "parcel.assigned", "L3", "p9", { trackingRef: "T9", size: "S", pickupCode: "123456" }]]))).toBe(10);
    expect(await landed("RESEND")).toBe(0);
    const stored = await central.db.admin(`SELECT data FROM central.events WHERE bank_id = 'RESEND' AND seq = 10`);
    expect(stored.rows[0].data).not.toHaveProperty("pickupCode");
  } finally {
    await releaseSlots();
  }
});

it("a projector killed in the middle of its transaction leaves every landed batch to be projected once", async () => {
  const twin = await bankLogin("TWIN");
  const { login, c } = await bankLogin("CRASH");
  const [b1, ...rest] = day();
  // batch 1 projected inline for both: locker L1 exists
  expect(await ingestAs(twin.c, "TWIN", twin.login.key, batch(b1!))).toBe(3);
  expect(await ingestAs(c, "CRASH", login.key, batch(b1!))).toBe(3);
  for (const b of rest) await ingestAs(twin.c, "TWIN", twin.login.key, batch(b));
  await holdSlots();
  try {
    for (const b of rest) await ingestAs(c, "CRASH", login.key, batch(b));
  } finally {
    await releaseSlots();
  }
  expect(await landed("CRASH")).toBe(3);

  // Batch 2 (L2, L3) projects; batch 3 needs locker L1, whose row we hold: the projector stops
  // there, inside its one transaction, and is killed.
  const holder = new pg.Client({ connectionString: central.db.url });
  const projector = new pg.Client({ connectionString: central.db.url });
  await holder.connect();
  await projector.connect();
  try {
    await holder.query("BEGIN");
    await holder.query(`SELECT 1 FROM central.lockers WHERE bank_id = 'CRASH' AND locker_id = 'L1' FOR UPDATE`);
    const pid = (await projector.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    projector.on("error", () => {});
    const call = projectOnce(projector, 8).then(() => "finished", (e: Error) => e.message);
    // wait until it is stuck on our lock, batch 2's events already written in its transaction
    for (let i = 0; i < 200; i++) {
      const w = await central.db.admin(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid]);
      if (w.rows.length) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const written = await holder.query<{ n: number }>(`SELECT count(*)::int AS n FROM central.events WHERE bank_id = 'CRASH'`);
    expect(written.rows[0]!.n).toBe(3); // (its uncommitted rows are not seen)
    await central.db.admin(`SELECT pg_terminate_backend($1)`, [pid]);
    expect(await call).toMatch(/terminat/);
    await holder.query("COMMIT");
  } finally {
    await holder.end();
    await projector.end().catch(() => {});
  }
  expect(await landed("CRASH")).toBe(3);
  expect(await eventCount("CRASH")).toEqual({ n: 3, d: 3 });

  expect(await central.project()).toEqual({ batches: 3, events: 8 });
  expect(await eventCount("CRASH")).toEqual({ n: 11, d: 11 });
  expect(await projections("CRASH")).toEqual(await projections("TWIN"));
});

it("four projectors at once over many banks' landed batches project each batch once, each bank in seq order", async () => {
  const banks = await Promise.all(Array.from({ length: 12 }, (_, i) => bankLogin(`MANY${i}`)));
  await holdSlots();
  try {
    for (let round = 0; round < 3; round++) {
      await Promise.all(banks.map(({ login, c }) => {
        const events: Ev[] = Array.from({ length: 20 }, (_, j) => [round * 20 + j + 1, j % 2 ? "door.opened" : "door.closed", "L1", null, { round }]);
        return ingestAs(c, login.bankId, login.key, batch(events));
      }));
    }
  } finally {
    await releaseSlots();
  }
  const clients = await Promise.all(Array.from({ length: 4 }, async () => {
    const p = new pg.Client({ connectionString: central.db.url });
    await p.connect();
    return p;
  }));
  try {
    const runs = await Promise.all(clients.map((p) => projectAll(p, 1)));
    expect(runs.reduce((n, r) => n + r.batches, 0)).toBe(36);
    expect(runs.reduce((n, r) => n + r.events, 0)).toBe(720);
  } finally {
    for (const p of clients) await p.end();
  }
  for (const { login } of banks) {
    expect(await eventCount(login.bankId)).toEqual({ n: 60, d: 60 });
    const l = await central.db.admin(`SELECT last_seq, last_event_type FROM central.lockers WHERE bank_id = $1`, [login.bankId]);
    expect(l.rows).toEqual([{ last_seq: "60", last_event_type: "door.opened" }]);
  }
  expect(await landed("MANY0")).toBe(0);
});
