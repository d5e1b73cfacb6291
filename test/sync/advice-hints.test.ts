/**
 * A reachable door asked for in a carrier's pre-advice, end to end through the real central
 * PostgreSQL and lockerd-central (the notifier's route): the advice names bank X; X pulls the
 * hint with its sync and keeps it in SQLite (across a restart, while the center is
 * unreachable); the courier's assignment of that parcel there gets a reachable door while
 * other doors are free, and its event says the ask came from the advice. Bank Y never hears of
 * it. Hints are used up by their parcel, withdrawn by a later advice, pruned when expired; the
 * request's own flag wins.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { cryptoRandom } from "../../src/basics/ports.js";
import { notifierModule } from "../../src/central/notifier/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { parseLayout } from "../../src/config/layout.js";
import { PgCentralLink } from "../../src/sync/central-link.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { WorkerUplink } from "../../src/sync/worker-uplink.js";
import { recordedDoorsBank, SIZES, type RecordedDoorsBank } from "../support/bank.js";
import type { TestBankLogin } from "../support/central.js";
import { startTestCentralService } from "../support/central-service.js";
import { FakeClock } from "../support/clock.js";
import { silentLog, testLogger } from "../support/log.js";
import { SYNC_START, syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 60_000 });

const central = useTestCentral();
const { bank, loop } = useSyncParts();
let service: CentralInstance;
let admin: pg.Client;
let carrier: string;
let viewer: string;
const closing: { close(): Promise<void> }[] = [];

/** Two small doors out of reach first in layout order, then two within it, then a medium one. */
const LAYOUT = parseLayout(
  {
    name: "reach",
    columns: [
      {
        id: "A",
        lockers: [
          { id: "A01", size: "S", heightCm: 170 },
          { id: "A02", size: "S", heightCm: 150 },
          { id: "A03", size: "S", heightCm: 100 },
          { id: "A04", size: "S", reachable: true },
          { id: "B01", size: "M", heightCm: 170 },
        ],
      },
    ],
  },
  SIZES,
  "reach",
);

beforeAll(async () => {
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [notifierModule] });
  admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  carrier = await createOperatorToken(admin, "dhl", "carrier");
  viewer = await createOperatorToken(admin, "eyes", "viewer");
});
afterEach(async () => {
  for (const c of closing.splice(0)) await c.close();
});
afterAll(async () => {
  await admin.end();
  await service.stop();
});

function reachBank(): RecordedDoorsBank {
  const b = recordedDoorsBank({ layout: LAYOUT, clock: new FakeClock(SYNC_START), random: cryptoRandom });
  closing.push({ close: () => b.dispose() });
  return b;
}

async function advise(bankId: string, trackingRef: string, more: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${service.url}/parcels/advice`, {
    method: "POST",
    headers: { authorization: `Bearer ${carrier}`, "content-type": "application/json" },
    body: JSON.stringify({ trackingRef, bankId, recipient: { email: "rosa@example.org" }, ...more }),
  });
}

async function adviseOk(bankId: string, trackingRef: string, more: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const r = await advise(bankId, trackingRef, more);
  if (r.status >= 300) throw new Error(`advice ${trackingRef}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
}

const held = (b: RecordedDoorsBank) => b.ctx.store.adviceHints.list().map((h) => h.trackingRef);
const assignedData = (b: RecordedDoorsBank, parcelId: string) => b.events("parcel.assigned").find((e) => e.parcelId === parcelId)!.data as Record<string, unknown>;

it("a carrier's reachable pre-advice reaches only its bank; there the courier gets a reachable door, after a restart and with the center unreachable", async () => {
  const [lx, ly] = [await central.addBank(), await central.addBank()];
  const [x, y] = [reachBank(), bank()];
  const advice = await adviseOk(lx.bankId, "TR-R1", { reachable: true });
  expect(advice).toMatchObject({ status: "waiting", reachable: true });
  await adviseOk(lx.bankId, "TR-N1");
  // an advice for Y with the same ref and no ask: Y has nothing to learn
  await adviseOk(ly.bankId, "TR-R1");

  const syncX = loop(x.ctx, central.link(lx), syncSettings(lx.bankId));
  expect(await syncX.runOnce()).toMatchObject({ hints: 1 });
  expect(held(x)).toEqual(["TR-R1"]);
  expect(syncX.status().adviceHints).toBe(1);
  expect(await loop(y.ctx, central.link(ly), syncSettings(ly.bankId)).runOnce()).toMatchObject({ hints: 0 });
  expect(held(y)).toEqual([]);
  expect(await syncX.runOnce()).toMatchObject({ hints: 0 });

  // the bank restarts, and the center is out of reach when the courier comes
  await syncX.stop();
  x.reopen();
  expect(held(x)).toEqual(["TR-R1"]);
  const offline = loop(x.ctx, new PgCentralLink({ connection: { host: "127.0.0.1", port: 1, user: "nobody", connectionTimeoutMillis: 2000 }, bankKey: lx.key }), syncSettings(lx.bankId));
  await expect(offline.runOnce()).rejects.toThrow();

  const plain = await assignLocker(x.ctx, { size: "S", trackingRef: "TR-N1" });
  expect(plain.lockerId).toBe("A01");
  expect(assignedData(x, plain.parcelId).reachable).toBeUndefined();
  const asked = await assignLocker(x.ctx, { size: "S", trackingRef: "TR-R1" });
  // A02 is free and smaller in layout order; the advice asked for a door within reach
  expect(x.ctx.store.lockers.get("A02")).toMatchObject({ status: "AVAILABLE" });
  expect(asked.lockerId).toBe("A03");
  expect(assignedData(x, asked.parcelId)).toMatchObject({ trackingRef: "TR-R1", reachable: "advice" });
  // used up: the hint is gone, and the cursor does not go back
  expect(held(x)).toEqual([]);

  // back online: the event goes up with where the ask came from, and the hint never comes back
  const online = loop(x.ctx, central.link(lx), syncSettings(lx.bankId));
  expect(await online.runOnce()).toMatchObject({ hints: 0 });
  expect(online.status().adviceHints).toBe(0);
  const up = (await central.events(lx.bankId)).find((e) => e.parcelId === asked.parcelId && e.type === "parcel.assigned");
  expect(up?.data).toMatchObject({ reachable: "advice" });
  // even asked from the start, the center gives no hint for a parcel already at the bank
  expect(await central.link(lx).pullAdviceHints(lx.bankId, 0, 500)).toEqual([]);
  expect(held(x)).toEqual([]);
});

it("the request's own flag wins over the advice, and the hint is used up by its parcel either way", async () => {
  const lx = await central.addBank();
  const x = reachBank();
  await adviseOk(lx.bankId, "TR-R2", { reachable: true });
  expect(await loop(x.ctx, central.link(lx), syncSettings(lx.bankId)).runOnce()).toMatchObject({ hints: 1 });
  const a = await assignLocker(x.ctx, { size: "S", trackingRef: "TR-R2", reachable: false });
  expect(a.lockerId).toBe("A01");
  expect(assignedData(x, a.parcelId).reachable).toBeUndefined();
  expect(held(x)).toEqual([]);
  // asked by the request, with no advice: recorded as the request's
  const b = await assignLocker(x.ctx, { size: "S", trackingRef: "TR-OTHER", reachable: true });
  expect(b.lockerId).toBe("A03");
  expect(assignedData(x, b.parcelId).reachable).toBe("request");
  // both reachable doors taken: the normal rule, as for the API's flag
  await adviseOk(lx.bankId, "TR-R3", { reachable: true });
  await adviseOk(lx.bankId, "TR-R4", { reachable: true });
  expect(await loop(x.ctx, central.link(lx), syncSettings(lx.bankId)).runOnce()).toMatchObject({ hints: 2 });
  expect((await assignLocker(x.ctx, { size: "S", trackingRef: "TR-R3" })).lockerId).toBe("A04");
  expect((await assignLocker(x.ctx, { size: "S", trackingRef: "TR-R4" })).lockerId).toBe("A02");
});

it("an advice sent again without the ask withdraws it; expired hints are never sent, never used and pruned", async () => {
  const lx = await central.addBank();
  const x = reachBank();
  const sync = () => loop(x.ctx, central.link(lx), syncSettings(lx.bankId)).runOnce();
  await adviseOk(lx.bankId, "TR-W", { reachable: true });
  await adviseOk(lx.bankId, "TR-E1", { reachable: true });
  await adviseOk(lx.bankId, "TR-E2", { reachable: true });
  expect(await sync()).toMatchObject({ hints: 3 });
  expect(held(x).sort()).toEqual(["TR-E1", "TR-E2", "TR-W"]);

  const again = await advise(lx.bankId, "TR-W");
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ reachable: false });
  expect(await sync()).toMatchObject({ hints: 1 });
  expect(held(x).sort()).toEqual(["TR-E1", "TR-E2"]);
  expect((await assignLocker(x.ctx, { size: "S", trackingRef: "TR-W" })).lockerId).toBe("A01");

  // the advice's expiry (its adviceTtlHours) passes on the bank's clock: not used, then pruned
  const expiresAt = Math.max(...x.ctx.store.adviceHints.list().map((h) => h.expiresAt));
  x.clock.advance(expiresAt - x.clock.now() + 1);
  const late = await assignLocker(x.ctx, { size: "S", trackingRef: "TR-E1" });
  expect(late.lockerId).toBe("A02");
  expect(assignedData(x, late.parcelId).reachable).toBeUndefined();
  expect(held(x)).toEqual(["TR-E2"]);
  await sync();
  expect(held(x)).toEqual([]);

  // at the center: a hint whose advice has expired is not handed out
  await adviseOk(lx.bankId, "TR-E3", { reachable: true });
  await admin.query(`UPDATE central.advice_hints SET expires_at = now() - interval '1 minute' WHERE bank_id = $1 AND tracking_ref = 'TR-E3'`, [lx.bankId]);
  expect((await central.link(lx).pullAdviceHints(lx.bankId, 0, 500)).map((h) => h.trackingRef)).not.toContain("TR-E3");
});

it("a malformed reachable is a 400 problem naming the field, and nothing is recorded", async () => {
  const lx = await central.addBank();
  for (const reachable of ["yes", 1, null]) {
    const r = await advise(lx.bankId, "TR-BAD", { reachable });
    expect(r.status, JSON.stringify(reachable)).toBe(400);
    expect(r.headers.get("content-type")).toMatch(/problem\+json/);
    expect(((await r.json()) as { field: string }).field).toBe("reachable");
  }
  expect((await admin.query(`SELECT 1 FROM central.advice WHERE bank_id = $1`, [lx.bankId])).rowCount).toBe(0);
  expect((await admin.query(`SELECT 1 FROM central.advice_hints WHERE bank_id = $1`, [lx.bankId])).rowCount).toBe(0);
  // and the schema says what it is
  const doc = (await (await fetch(`${service.url}/openapi.json`, { headers: { authorization: `Bearer ${viewer}` } })).json()) as { components: { schemas: Record<string, { properties: Record<string, { type: string }> }> } };
  expect(doc.components.schemas.Advice!.properties.reachable).toMatchObject({ type: "boolean" });
});

it("many hints arrive in pages within one cycle, in order; a bank asks only for its own with its own key", async () => {
  const [lx, ly] = [await central.addBank(), await central.addBank()];
  const x = reachBank();
  await admin.query(
    `SELECT central.put_advice_hint($1, 'BULK-' || i, true, now() + interval '1 hour') FROM generate_series(1, 1201) i`,
    [lx.bankId],
  );
  expect(await loop(x.ctx, central.link(lx), syncSettings(lx.bankId)).runOnce()).toMatchObject({ hints: 1201 });
  expect(held(x)).toHaveLength(1201);
  const last = await admin.query<{ id: string }>(`SELECT max(id) AS id FROM central.advice_hints WHERE bank_id = $1`, [lx.bankId]);
  expect(x.ctx.store.adviceHints.lastHintId()).toBe(Number(last.rows[0]!.id));
  // Y's key does not ask for X's hints
  const asY = new pg.Client({ connectionString: ly.url });
  await asY.connect();
  try {
    await expect(asY.query(`SELECT * FROM central.pull_advice_hints($1, $2, 0, 10)`, [lx.bankId, ly.key])).rejects.toMatchObject({ code: "28000" });
    expect((await asY.query(`SELECT * FROM central.pull_advice_hints($1, $2, 0, 10)`, [ly.bankId, ly.key])).rows).toEqual([]);
  } finally {
    await asY.end();
  }
});

it("hints commit one at a time in id order: a bank never skips one that committed late", async () => {
  const lx = await central.addBank();
  const t1 = new pg.Client({ connectionString: central.db.url });
  const t2 = new pg.Client({ connectionString: central.db.url });
  await t1.connect();
  await t2.connect();
  try {
    await t1.query("BEGIN");
    const id1 = Number((await t1.query<{ id: string }>(`SELECT central.put_advice_hint($1, 'ORDER-1', true, now() + interval '1 hour') AS id`, [lx.bankId])).rows[0]!.id);
    let id2: number | null = null;
    const second = t2.query<{ id: string }>(`SELECT central.put_advice_hint($1, 'ORDER-2', true, now() + interval '1 hour') AS id`, [lx.bankId]).then((r) => (id2 = Number(r.rows[0]!.id)));
    await new Promise((r) => setTimeout(r, 300));
    expect(id2).toBeNull();
    await t1.query("COMMIT");
    await second;
    expect(id2).toBeGreaterThan(id1);
  } finally {
    await t1.end();
    await t2.end();
  }
});

it("the daemon's worker-thread uplink pulls hints the same way", async () => {
  const lx = await central.addBank();
  const x = reachBank();
  await adviseOk(lx.bankId, "TR-WORKER", { reachable: true });
  const uplink = new WorkerUplink({ dbPath: x.dbPath, connection: { connectionString: lx.url, connectionTimeoutMillis: 5000 }, bankKey: lx.key });
  closing.push(uplink);
  const s = new SyncLoop({ ctx: x.ctx, link: uplink, log: silentLog }, syncSettings(lx.bankId));
  closing.push({ close: () => s.stop() });
  expect(await s.runOnce()).toMatchObject({ hints: 1 });
  expect(held(x)).toEqual(["TR-WORKER"]);
});

it("a login that may not pull hints (no grant, or a center before the migration) is told once, and its sync goes on", async () => {
  const lx: TestBankLogin = await central.addBank();
  await admin.query(`REVOKE EXECUTE ON FUNCTION central.pull_advice_hints(text, text, bigint, integer) FROM ${lx.role}`);
  try {
    const x = reachBank();
    const lines: Record<string, unknown>[] = [];
    const s = new SyncLoop({ ctx: x.ctx, link: central.link(lx), log: testLogger(lines) }, syncSettings(lx.bankId));
    closing.push({ close: () => s.stop() });
    for (let i = 0; i < 2; i++) expect(await s.runOnce()).toMatchObject({ hints: 0 });
    expect(s.status().lastError).toBeNull();
    const told = lines.filter((l) => String(l.msg).includes("no pre-advice hints"));
    expect(told).toHaveLength(1);
    expect(String((told[0]!.err as { message?: string }).message)).toContain("central-create-ingest-role --rotate");
  } finally {
    await admin.query(`GRANT EXECUTE ON FUNCTION central.pull_advice_hints(text, text, bigint, integer) TO ${lx.role}`);
  }
});
