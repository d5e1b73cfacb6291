/**
 * Sixteen banks sync at once into one central database through their real sync loops, each as
 * its own key. Their event times cross two month boundaries, so several banks race to create
 * the same new monthly partition, and some banks lose the answer to a commit and re-send a
 * batch (grown meanwhile into the next month) while others create that month.
 */
import pg from "pg";
import { expect, it, vi } from "vitest";
import { ingestAs } from "../support/central.js";
import { deliver, deliverAndCollect, expectCentralHoldsLog, expectProjectionsOwn, recordingLink, type RecordingLink } from "../support/fleet.js";
import { syncSettings, useSyncParts, useTestCentral, } from "../support/sync-parts.js";
import type { RecordedDoorsBank as TestBank } from "../support/bank.js";

const central = useTestCentral();
const { bank, loop: newLoop } = useSyncParts();

const BANKS = 16;
const LOSSY = 4; // the last four lose the answer to their first commit
const MONTH = 31 * 86_400_000;
// (within the center's plausible window of event times, whenever the test runs)
const FIRST_MONTH_END = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 4, 1);

it("sixteen banks syncing at once across month boundaries: each bank's log exactly once, its own rows only, no error surfaced", async () => {
  const fleet: { b: TestBank; bankId: string; url: string; link: RecordingLink }[] = [];
  for (let i = 0; i < BANKS; i++) {
    const b = bank();
    // half a minute before midnight at the end of a month five months ago, a second apart
    b.clock.advance(FIRST_MONTH_END - 30_000 - i * 1000 - b.clock.now());
    const { bankId, url, key } = await central.addBank(`fleet-${String(i).padStart(2, "0")}`);
    const lossy = i >= BANKS - LOSSY;
    if (!lossy) {
      for (let c = 0; c < 4; c++) await deliverAndCollect(b, `${bankId}-may-${c}`, 20_000);
      b.clock.advance(MONTH); // on into July
      for (let c = 0; c < 2; c++) await deliverAndCollect(b, `${bankId}-jul-${c}`, 20_000);
      await deliver(b, `${bankId}-kept`);
    } else {
      // a short first batch (the whole backlog); its answer is lost, and before the bank sends
      // it again it has recorded July's events: the re-sent batch holds both
      await deliverAndCollect(b, `${bankId}-may`, 20_000);
    }
    const link = recordingLink(central.link({ url, key }), lossy ? 1 : 0, async () => {
      b.clock.advance(MONTH);
      for (let c = 0; c < 3; c++) await deliverAndCollect(b, `${bankId}-jul-${c}`, 20_000);
    });
    fleet.push({ b, bankId, url, link });
  }

  const loops = fleet.map(({ b, bankId, link }) =>
    newLoop(b.ctx, link, syncSettings(bankId, { batchSize: 8, intervalMs: 50, backoffMinMs: 5, backoffMaxMs: 40 })),
  );
  for (const l of loops) l.start();
  await vi.waitFor(
    () => {
      for (const l of loops) expect(l.status()).toMatchObject({ backlog: 0, lastError: null });
      for (const f of fleet.slice(BANKS - LOSSY)) expect(f.link.lost).toBe(1);
    },
    { timeout: 20_000, interval: 25 },
  );
  // No deadlock, serialization failure or duplicate partition ever reached a bank (read before
  // stopping: stop cuts off a command poll in flight, which is not the central side's doing).
  const surfaced = fleet.flatMap((f) => f.link.errors.map((e) => `${f.bankId}: ${(e as Error).message}`));
  for (const l of loops) await l.stop();
  expect(surfaced).toEqual([]);
  // batches landed while others were projected inline (migration 9): what lockerd-central's projector does
  await central.project();
  for (const { b, bankId } of fleet) {
    await expectCentralHoldsLog(central, b, bankId);
    await expectProjectionsOwn(central, b, bankId);
  }
  // every event in its month's partition (none left in the default one), made once each
  const placed = await central.db.admin<{ part: string; month: string }>(
    `SELECT DISTINCT tableoid::regclass::text AS part, 'central.events_' || to_char(at AT TIME ZONE 'UTC', 'YYYY_MM') AS month FROM central.events`,
  );
  expect(placed.rows.length).toBeGreaterThanOrEqual(3);
  for (const r of placed.rows) expect(r.part).toBe(r.month);
  const banks = await central.db.admin<{ id: string; last_seq: string }>(`SELECT id, last_seq FROM central.banks ORDER BY id`);
  expect(banks.rows.map((r) => [r.id, Number(r.last_seq)])).toEqual(fleet.map((f) => [f.bankId, f.b.ctx.store.events.lastSeq()]));
});

it("a bank whose batch needs a month another bank is making does not wait: those events wait in the default partition and move in when the month is made", async () => {
  const { bankId, url, key } = await central.addBank();
  const ev = (seq: number, at: number) => [seq, at, true, "test.event", null, null, { seq }];
  const now = new Date();
  const earlier = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 20);
  const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 2);
  const x = new pg.Client({ connectionString: url });
  await x.connect();
  // another bank making partitions, stood in for by holding the turn
  const maker = new pg.Client({ connectionString: central.db.url });
  await maker.connect();
  const ingest = (events: unknown[]) => ingestAs(x, bankId, key, JSON.stringify(events));
  const where = async () =>
    (await central.db.admin<{ seq: number; part: string }>(`SELECT seq::int, tableoid::regclass::text AS part FROM central.events WHERE bank_id = $1 ORDER BY seq`, [bankId])).rows;
  try {
    await ingest([ev(1, earlier)]);
    await maker.query(`BEGIN`);
    await maker.query(`SELECT 1 FROM central.partition_turn FOR UPDATE`);
    // seq 1 again (its answer was lost) and seq 2 in a month that has no partition yet
    const t0 = Date.now();
    expect(await ingest([ev(1, earlier), ev(2, nextMonth)])).toBe(2);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await where()).map((r) => r.part)).toEqual([expect.stringMatching(/events_\d{4}_\d{2}$/), "central.events_outliers"]);
    await maker.query(`COMMIT`);
    await ingest([ev(3, nextMonth + 1000)]);
    const month = `central.events_${new Date(nextMonth).toISOString().slice(0, 7).replace("-", "_")}`;
    expect(await where()).toEqual([{ seq: 1, part: expect.any(String) }, { seq: 2, part: month }, { seq: 3, part: month }]);
    expect((await central.events(bankId)).map((e) => e.seq)).toEqual([1, 2, 3]);
  } finally {
    await maker.query(`ROLLBACK`).catch(() => {});
    await maker.end();
    await x.end();
  }
});
