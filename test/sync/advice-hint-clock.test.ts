/**
 * One clock decides how long a pre-advice lives: lockerd-central's (virtual here, as in the
 * notifier's tests), its hint to the bank included. The hint's expiry the bank's pull compares
 * with PostgreSQL's now() is the advice's remaining life carried over to PostgreSQL's clock, and
 * the advice's expiry on the service's clock withdraws the hint.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { notifierModule } from "../../src/central/notifier/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { startTestCentralService } from "../support/central-service.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";

const central = useTestCentral();
const { bank, loop } = useSyncParts();
const DAY = 24 * 3600_000;
/** The service's clock: runs with real time, set by the test (here two months behind PostgreSQL's). */
const clock = {
  offset: -60 * DAY,
  now: () => Date.now() + clock.offset,
  set(t: number) {
    clock.offset = t - Date.now();
  },
};
let service: CentralInstance;
let admin: pg.Client;
let carrier: string;
let viewer: string;

beforeAll(async () => {
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [notifierModule], clock, config: { notifier: { pollMs: 50, adviceTtlHours: 48 } } });
  admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  carrier = await createOperatorToken(admin, "dhl", "carrier");
  viewer = await createOperatorToken(admin, "eyes", "viewer");
});
afterAll(async () => {
  await admin?.end();
  await service?.stop();
});

async function call(method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${service.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
}

it("an advice made on a service clock behind PostgreSQL's still reaches its bank for its whole life, and its expiry on that clock withdraws the hint", async () => {
  const login = await central.addBank();
  const b = bank();
  const sync = () => loop(b.ctx, central.link(login), syncSettings(login.bankId)).runOnce();
  const advised = await call("POST", "/parcels/advice", carrier, { trackingRef: "TR-CLOCK", bankId: login.bankId, recipient: { email: "rosa@example.org" }, reachable: true });
  expect(Date.parse(advised.expiresAt as string) - clock.now()).toBeGreaterThan(47 * 3600_000);
  expect(await sync()).toMatchObject({ hints: 1 });
  const [hint] = b.ctx.store.adviceHints.list();
  // the hint lives as long as the advice has left, on PostgreSQL's clock (the bank's is real time too)
  expect(hint).toMatchObject({ trackingRef: "TR-CLOCK" });
  expect(Math.abs(hint!.expiresAt - (Date.now() + 48 * 3600_000))).toBeLessThan(60_000);

  // a day later on the service's clock: still waiting, nothing new for the bank
  clock.set(clock.now() + DAY);
  await new Promise((r) => setTimeout(r, 300));
  expect(((await call("GET", `/parcels/advice/${login.bankId}/TR-CLOCK`, viewer)).advice as { status: string }).status).toBe("waiting");
  expect(await sync()).toMatchObject({ hints: 0 });
  expect(b.ctx.store.adviceHints.list().map((h) => h.trackingRef)).toEqual(["TR-CLOCK"]);

  // past its 48 hours on the service's clock (PostgreSQL's has not moved a day): expired, and the bank lets the hint go
  clock.set(clock.now() + DAY + 3600_000);
  await vi.waitFor(async () => expect(((await call("GET", `/parcels/advice/${login.bankId}/TR-CLOCK`, viewer)).advice as { status: string }).status).toBe("expired"), { timeout: 10_000 });
  expect(await sync()).toMatchObject({ hints: 1 });
  expect(b.ctx.store.adviceHints.list()).toEqual([]);
});
