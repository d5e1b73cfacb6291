/**
 * lockerd-central's projector (the "projection" module): batches banks landed while the center
 * was busy are projected by the running service, woken by the landing's NOTIFY rather than its
 * poll, and the backlog is on /metrics until it is gone.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { projectionModule } from "../../src/central/projection/module.js";
import { useTestCentral } from "../support/sync-parts.js";
import { startTestCentralService } from "../support/central-service.js";

const central = useTestCentral();
let service: CentralInstance;
let token = "";
const T0 = Date.now() - 60_000;

beforeAll(async () => {
  const admin = new pg.Pool({ connectionString: central.db.url, max: 1 });
  try {
    token = await createOperatorToken(admin, "metrics", "viewer");
  } finally {
    await admin.end();
  }
  // a poll far longer than the test: only the NOTIFY can wake it in time
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [projectionModule], config: { projection: { pollMs: 60_000, workers: 1 } } });
});
afterAll(async () => {
  await service?.stop();
});

const metrics = async () => (await fetch(`${service.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).text();

it("batches landed while the inline slots are taken are projected by the running service, woken by the landing", async () => {
  const login = await central.addBank("PROJ1");
  const bank = new pg.Client({ connectionString: login.url });
  const slots = new pg.Client({ connectionString: central.db.url });
  await bank.connect();
  await slots.connect();
  try {
    // the slots taken (a busy center): both batches land; each landing into an empty table wakes the loop
    await slots.query("BEGIN");
    await slots.query("SELECT slot FROM central.projection_inline_slots FOR UPDATE");
    for (const seqs of [[1, 2, 3, 4], [5]]) {
      const batch = seqs.map((seq) => [seq, T0 + seq, true, seq % 2 ? "door.opened" : "door.closed", "A01", null, {}]);
      await bank.query(`SELECT central.ingest_batch('PROJ1', $1, $2::jsonb)`, [login.key, JSON.stringify(batch)]);
      await vi.waitFor(async () => {
        const r = await central.db.admin<{ n: number }>(`SELECT count(*)::int AS n FROM central.events WHERE bank_id = 'PROJ1'`);
        expect(r.rows[0]!.n).toBe(seqs.at(-1));
      }, { timeout: 10_000, interval: 50 });
    }
    await slots.query("COMMIT");
    const l = await central.db.admin(`SELECT last_seq, last_event_type FROM central.lockers WHERE bank_id = 'PROJ1'`);
    expect(l.rows).toEqual([{ last_seq: "5", last_event_type: "door.opened" }]);
    const m = await metrics();
    expect(m).toMatch(/lockerd_central_projection_backlog\{what="events"\} 0/);
    expect(m).toMatch(/lockerd_central_projected_events_total 5/);
  } finally {
    await bank.end();
    await slots.end();
  }
});
