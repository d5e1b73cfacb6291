/**
 * Each lockerd-central instance answers availability from its in-memory copy of the free
 * counts, fed by LISTEN/NOTIFY (central migration 8), with real PostgreSQL and real ingest (a
 * bank's sync loop): a deposit makes a size unavailable and a pickup frees it, without a read
 * going to PostgreSQL; after its LISTEN connection is killed the instance answers from SQL,
 * reloads and is right again (a change made meanwhile included); a bank registered after start
 * appears; every answer equals the SQL's, the fleet's sums per size included; with the count
 * table locked the copy still answers at once; bad input is still problem+json.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { doorClosed, doorOpened } from "../../src/bank/door-outcomes.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { fleetModule } from "../../src/central/fleet/module.js";
import { bankAvailability, banksWithFree, fleetAvailability } from "../../src/central/fleet/availability-reads.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { recordLockerSnapshot } from "../../src/sync/snapshot.js";
import type { RecordedDoorsBank } from "../support/bank.js";
import { startTestCentralService } from "../support/central-service.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";

const central = useTestCentral();
const parts = useSyncParts();
let service: CentralInstance;
let admin: pg.Pool;
let token = "";
let viewer = "";
const INSTANCE = "copytest";

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: central.db.url, max: 2 });
  token = await createOperatorToken(admin, "copy-carrier", "carrier");
  viewer = await createOperatorToken(admin, "copy-viewer", "viewer");
  service = await startTestCentralService({
    dbUrl: central.db.url,
    instance: INSTANCE,
    modules: [fleetModule],
    // a reconnection waits 2 s: long enough to see reads go to PostgreSQL meanwhile. Stale only
    // after 10 minutes: a machine paused for a benchmark (every niced process stopped, this one
    // and PostgreSQL too) must not turn "no read fell back" into a failure.
    config: { fleet: { sizes: ["S", "M", "L"], availabilityCopy: { reconnectMinMs: 2000, reconnectMaxMs: 2000, staleAfterMs: 600_000 } } },
  });
  await until("the copy is loaded", async () => (await metric("reloads_total")) >= 1 && Number.isFinite(await metric("age_seconds")));
});
afterAll(async () => {
  await service?.stop();
  await admin?.end();
});

async function get(path: string, auth: boolean | string = true): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const bearer = auth === true ? token : auth;
  const res = await fetch(service.url + path, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {}, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as Record<string, unknown> };
}

/** lockerd_central_availability_copy_<name> from /metrics. */
async function metric(name: string): Promise<number> {
  const text = await (await fetch(service.url + "/metrics", { headers: { Authorization: `Bearer ${viewer}` } })).text();
  const m = new RegExp(`^lockerd_central_availability_copy_${name} (\\S+)$`, "m").exec(text);
  if (!m) throw new Error(`no metric ${name}`);
  return m[1] === "+Inf" ? Infinity : Number(m[1]);
}

/** Polls (every 20 ms, at most 15 s) until cond holds. */
async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 750; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within 15 s: ${what}`);
}

const freeAt = async (bankId: string) => (await get(`/fleet/banks/${bankId}/availability`)).body.free as Record<string, number>;
const fleetSizes = async () => (await get("/fleet/availability/sizes", viewer)).body.sizes;

/** A parcel of size M stored at the bank: returns its pickup code. */
async function depositM(b: RecordedDoorsBank, ref: string): Promise<string> {
  const a = await assignLocker(b.ctx, { size: "M", trackingRef: ref });
  doorOpened(b.ctx, a.intentId);
  doorClosed(b.ctx, a.intentId);
  return a.pickupCode;
}

async function pickUp(b: RecordedDoorsBank, code: string): Promise<void> {
  // the unlock goes out once the pickup's commit is on disk
  await pickupByCode(b.ctx, code, { channel: "keypad" });
  const opened = b.doors.unlocked.at(-1)!;
  doorOpened(b.ctx, opened.intentId);
  doorClosed(b.ctx, opened.intentId);
}

/** The bank (sync tests' six lockers: four S, two M) known centrally through its own sync. */
async function syncedBank(): Promise<{ b: RecordedDoorsBank; bankId: string; sync(): Promise<void> }> {
  const b = parts.bank();
  const login = await central.addBank();
  recordLockerSnapshot(b.ctx);
  const loop = parts.loop(b.ctx, central.link(login), syncSettings(login.bankId));
  const sync = async () => void (await loop.runOnce());
  await sync();
  return { b, bankId: login.bankId, sync };
}

it("a deposit synced by the bank makes M unavailable and a pickup frees it, answered from the copy", async () => {
  const { b, bankId, sync } = await syncedBank();
  await until("the bank's lockers are in the copy", async () => (await freeAt(bankId)).M === 2);
  const fallbacks = await metric("fallbacks_total");

  const first = await depositM(b, "copy-1");
  await depositM(b, "copy-2");
  await sync();
  await until("both M lockers are taken", async () => (await freeAt(bankId)).M === 0);
  expect((await get(`/fleet/availability?size=M&banks=${bankId}`)).body).toEqual({ size: "M", sizes: ["M"], banks: [] });
  expect((await get(`/fleet/availability?size=S&fits=true&banks=${bankId}`)).body).toEqual({ size: "S", sizes: ["S", "M", "L"], banks: [{ bankId, free: 4 }] });

  await pickUp(b, first);
  await sync();
  await until("one M is free again", async () => (await freeAt(bankId)).M === 1);
  expect((await get(`/fleet/availability?size=M&banks=${bankId},${bankId},NOPE`)).body).toEqual({ size: "M", sizes: ["M"], banks: [{ bankId, free: 1 }] });
  // no read went to PostgreSQL: the answers changed because the copy followed the notifications
  expect(await metric("fallbacks_total")).toBe(fallbacks);
  expect(await metric("refreshed_banks_total")).toBeGreaterThan(0);
});

it("a bank registered after the instance started appears", async () => {
  const { bankId } = await syncedBank();
  await until("the new bank has free lockers", async () => {
    const r = await get(`/fleet/availability?size=S&banks=${bankId}`);
    return (r.body.banks as unknown[]).length === 1;
  });
  expect(await freeAt(bankId)).toEqual({ M: 2, S: 4 });
});

it("every answer is the SQL's answer", async () => {
  const banks = (await admin.query<{ id: string }>("SELECT id FROM central.banks ORDER BY id")).rows.map((r) => r.id);
  for (const q of [
    { sizes: ["M"], limit: 100 },
    { sizes: ["S", "M", "L"], limit: 100 },
    { sizes: ["S"], limit: 1 },
    { sizes: ["M"], bankIds: [...banks].reverse(), limit: 100 },
  ]) {
    const params = `size=${q.sizes[0]}&fits=${q.sizes.length > 1}&limit=${q.limit}${q.bankIds ? `&banks=${q.bankIds.join(",")}` : ""}`;
    expect((await get(`/fleet/availability?${params}`)).body.banks, params).toEqual(await banksWithFree(admin, q));
  }
  for (const id of banks) expect(await freeAt(id)).toEqual((await bankAvailability(admin, id)).free);
  expect(await fleetSizes()).toEqual(await fleetAvailability(admin));
});

it("the fleet's sums per size follow a deposit and come from the copy: with the count table locked they still answer at once", async () => {
  const { b, bankId, sync } = await syncedBank();
  await until("the bank is in the copy", async () => (await freeAt(bankId)).M === 2);
  const before = (await fleetAvailability(admin)).find((x) => x.size === "M")!;
  await depositM(b, "sizes-1");
  await sync();
  await until("the deposit is in the sums", async () => JSON.stringify(await fleetSizes()) === JSON.stringify(await fleetAvailability(admin)));
  expect((await fleetAvailability(admin)).find((x) => x.size === "M")).toEqual({ ...before, free: before.free - 1 });
  const fallbacks = await metric("fallbacks_total");
  const expected = await fleetAvailability(admin);
  const locker = await admin.connect();
  try {
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE central.locker_counts IN ACCESS EXCLUSIVE MODE");
    // a read of the table would wait for this transaction: these answers come from memory
    expect(await fleetSizes()).toEqual(expected);
    expect(await freeAt(bankId)).toEqual({ M: 1, S: 4 });
  } finally {
    await locker.query("ROLLBACK");
    locker.release();
  }
  expect(await metric("fallbacks_total")).toBe(fallbacks);
});

it("after its LISTEN connection is killed the instance answers from SQL, reloads, and is right again", async () => {
  const { b, bankId, sync } = await syncedBank();
  await until("the bank is in the copy", async () => (await freeAt(bankId)).M === 2);
  const reloads = await metric("reloads_total");
  const fallbacks = await metric("fallbacks_total");
  const killed = await admin.query<{ ok: boolean }>(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1`, [
    `lockerd-central ${INSTANCE} listen`,
  ]);
  expect(killed.rows).toEqual([{ ok: true }]);
  await until("reads go to PostgreSQL", async () => (await freeAt(bankId)).M === 2 && (await metric("fallbacks_total")) > fallbacks);
  const down = await metric("fallbacks_total");
  expect(await fleetSizes()).toEqual(await fleetAvailability(admin));
  expect(await metric("fallbacks_total")).toBe(down + 1);

  // meanwhile (the reconnection waits 2 s): a deposit whose notification nobody hears, answered by PostgreSQL
  await depositM(b, "while-down");
  await sync();
  await until("the deposit is seen", async () => (await freeAt(bankId)).M === 1);

  await until("the copy is reloaded", async () => (await metric("reloads_total")) > reloads && Number.isFinite(await metric("age_seconds")));
  const after = await metric("fallbacks_total");
  expect(await freeAt(bankId)).toEqual({ M: 1, S: 4 });
  expect((await get(`/fleet/availability?size=M&banks=${bankId}`)).body.banks).toEqual([{ bankId, free: 1 }]);
  expect(await fleetSizes()).toEqual(await fleetAvailability(admin));
  expect(await metric("fallbacks_total")).toBe(after);
});

it("bad input is still problem+json, and a token is still needed", async () => {
  const bad = await get("/fleet/availability?size=M%20L");
  expect(bad.status).toBe(400);
  expect(bad.type).toMatch(/application\/problem\+json/);
  expect(bad.body).toMatchObject({ code: "VALIDATION_FAILED", field: "size" });
  expect((await get("/fleet/availability?size=M&banks=not%20a%20bank")).body).toMatchObject({ code: "VALIDATION_FAILED", field: "banks.0" });
  expect((await get("/fleet/availability?size=M&limit=0")).body).toMatchObject({ code: "VALIDATION_FAILED", field: "limit" });
  const unknown = await get("/fleet/banks/NOPE/availability");
  expect(unknown.status).toBe(404);
  expect(unknown.body.code).toBe("NOT_FOUND");
  const none = await get("/fleet/availability?size=M", false);
  expect(none.status).toBe(401);
  expect(none.type).toMatch(/application\/problem\+json/);
});
