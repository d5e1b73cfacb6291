/**
 * Sixteen banks sync at once into one central database through their real sync loops, each as
 * its own role. Their event times cross two month boundaries, so several banks race to create
 * the same new monthly partition, and some banks lose the answer to a commit and re-send a
 * batch (grown meanwhile into the next month) while others create that month.
 */
import pg from "pg";
import { expect, it, vi } from "vitest";
import { deliver, deliverAndCollect, expectCentralHoldsLog, expectProjectionsOwn, recordingLink, type RecordingLink } from "../support/fleet.js";
import { syncSettings, useSyncParts, useTestCentral, } from "../support/sync-parts.js";
import type { RecordedDoorsBank as TestBank } from "../support/bank.js";

const central = useTestCentral();
const { bank, loop: newLoop } = useSyncParts();

const BANKS = 16;
const LOSSY = 4; // the last four lose the answer to their first commit
const MONTH = 31 * 86_400_000;

it("sixteen banks syncing at once across month boundaries: each bank's log exactly once, its own rows only, no error surfaced", async () => {
  const fleet: { b: TestBank; bankId: string; url: string; link: RecordingLink }[] = [];
  for (let i = 0; i < BANKS; i++) {
    const b = bank();
    // half a minute before midnight at the end of May, a second apart
    b.clock.advance(Date.UTC(2026, 4, 31, 23, 59, 30) - i * 1000 - b.clock.now());
    const { bankId, url } = await central.addBank(`fleet-${String(i).padStart(2, "0")}`);
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
    const link = recordingLink(central.link(url), lossy ? 1 : 0, async () => {
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
  for (const { b, bankId } of fleet) {
    await expectCentralHoldsLog(central, b, bankId);
    await expectProjectionsOwn(central, b, bankId);
  }
  const parts = await central.db.admin<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'central.events'::regclass ORDER BY 1`,
  );
  expect(parts.rows.map((r) => r.name)).toEqual(["events_2026_05", "events_2026_06", "events_2026_07"]);
  const banks = await central.db.admin<{ id: string; last_seq: string }>(`SELECT id, last_seq FROM central.banks ORDER BY id`);
  expect(banks.rows.map((r) => [r.id, Number(r.last_seq)])).toEqual(fleet.map((f) => [f.bankId, f.b.ctx.store.events.lastSeq()]));

  // Row-level security still holds each bank to its own rows.
  for (const { b, bankId, url } of [fleet[0]!, fleet[BANKS - 1]!]) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      for (const t of ["events", "lockers", "parcels", "parcel_history"]) {
        const r = await c.query<{ bank_id: string }>(`SELECT DISTINCT bank_id FROM central.${t}`);
        expect(r.rows, t).toEqual([{ bank_id: bankId }]);
      }
      const n = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM central.events`);
      expect(n.rows[0]!.n).toBe(b.ctx.store.events.lastSeq());
    } finally {
      await c.end();
    }
  }
});

it("a bank re-sending a batch that needs a new month waits its turn without holding the event table (no deadlock with the bank making it)", async () => {
  const { bankId, url } = await central.addBank();
  const ev = (seq: number, at: number) => [seq, at, true, "test.event", null, null, { seq }];
  const may = Date.UTC(2026, 4, 20);
  const september = Date.UTC(2026, 8, 2);
  const x = new pg.Client({ connectionString: url });
  await x.connect();
  // the partition maker: another bank's ingest, stood in for by its two steps
  const maker = new pg.Client({ connectionString: central.db.url });
  await maker.connect();
  try {
    await x.query(`SELECT central.ingest_events($1, $2::jsonb)`, [bankId, JSON.stringify([ev(1, may)])]);
    const pid = (await x.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid;
    await maker.query(`BEGIN`);
    await maker.query(`SELECT pg_advisory_xact_lock(hashtext('central.events partitions'))`);
    // seq 1 again (its answer was lost) and seq 2 in a month that has no partition yet
    const resend = x
      .query<{ ack: string }>(`SELECT central.ingest_events($1, $2::jsonb) AS ack`, [bankId, JSON.stringify([ev(1, may), ev(2, september)])])
      .then((r) => r.rows[0]!.ack, (e: unknown) => e);
    await vi.waitFor(
      async () => {
        const r = await central.db.admin(`SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted`, [pid]);
        expect(r.rowCount).toBe(1);
      },
      { timeout: 5000, interval: 20 },
    );
    // the maker's turn: making a partition takes the event table exclusively
    await maker.query(`SET LOCAL lock_timeout = '3s'`);
    await maker.query(`LOCK TABLE central.events IN ACCESS EXCLUSIVE MODE`);
    await maker.query(`COMMIT`);
    expect(await resend).toBe("2");
    expect((await central.events(bankId)).map((e) => e.seq)).toEqual([1, 2]);
  } finally {
    await maker.end();
    await x.end();
  }
});
