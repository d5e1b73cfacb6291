/**
 * The whole path of a refused command's alarm, with a real bank daemon syncing to the real central
 * PostgreSQL and lockerd-central's fleet API: a command INSERTed by hand without a signature is
 * refused at the bank, its alarm.command_refused arrives and stays open (no event clears it), an
 * operator clears it, and the next refusal opens it again under a new id.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { fleetModule } from "../../src/central/fleet/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { bankSyncConfig } from "../support/central.js";
import { startTestCentralService } from "../support/central-service.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { TEST_OPERATOR_CONFIG } from "../support/signed-commands.js";
import { useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 60_000 });

const central = useTestCentral();
let t: DaemonTestBank<Clock> | null = null;
let admin: pg.Client;
let service: CentralInstance;
let operator = "";
let viewer = "";
let bankId = "";
const dir = mkdtempSync(join(tmpdir(), "lockerd-alarm-clear-"));

beforeAll(async () => {
  admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  operator = await createOperatorToken(admin, "ops-kim", "operator");
  viewer = await createOperatorToken(admin, "wall-screen", "viewer");
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [fleetModule], config: { fleet: { offlineAfterMs: 600_000 } } });
  const login = await central.addBank();
  bankId = login.bankId;
  t = await createTestBank({
    daemon: { config: { bank: { id: bankId }, commands: { trustedKeys: [TEST_OPERATOR_CONFIG] }, sync: bankSyncConfig(login, dir, { intervalMs: 200, commandPollMs: 100 }) } },
    clock: "system",
  });
});
afterAll(async () => {
  await t?.dispose();
  await service?.stop();
  await admin?.end();
  rmSync(dir, { recursive: true, force: true });
});

const unsigned = async () =>
  Number((await admin.query<{ id: string }>(`INSERT INTO central.bank_commands (bank_id, kind, args) VALUES ($1, 'open_door', '{"lockerId":"A01"}') RETURNING id`, [bankId])).rows[0]!.id);

async function api(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(service.url + path, {
    method,
    // the fleet's reads are the viewer's; clearing is the operator's
    headers: { Authorization: `Bearer ${method === "GET" ? viewer : operator}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const refusals = async () =>
  ((await api("GET", `/fleet/alarms?bankId=${bankId}`)).body.alarms as { id: number; kind: string; data: { commandId: number } }[]).filter((a) => a.kind === "command_refused");

it("a refused command's alarm stays open until an operator clears it, and the next refusal opens it again", async () => {
  const first = await unsigned();
  const [open] = await vi.waitFor(
    async () => {
      const r = await refusals();
      if (r.length === 0) throw new Error("no command_refused alarm yet");
      return r;
    },
    { timeout: 20_000, interval: 100 },
  );
  expect(open).toMatchObject({ data: { commandId: first, reason: "UNSIGNED" } });
  // the bank keeps syncing (status reports, polls): nothing it sends clears it
  await new Promise((r) => setTimeout(r, 1000));
  expect(await refusals()).toHaveLength(1);

  const cleared = await api("POST", `/fleet/alarms/${open!.id}/clear`, { note: "hand-inserted test command" });
  expect(cleared).toMatchObject({ status: 200, body: { clearedBy: "ops-kim", clearNote: "hand-inserted test command" } });
  expect(await refusals()).toEqual([]);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await refusals()).toEqual([]);

  const second = await unsigned();
  const [again] = await vi.waitFor(
    async () => {
      const r = await refusals();
      if (r.length === 0) throw new Error("not raised again yet");
      return r;
    },
    { timeout: 20_000, interval: 100 },
  );
  expect(again).toMatchObject({ data: { commandId: second, reason: "UNSIGNED" } });
  expect(again!.id).not.toBe(open!.id);
  expect(t!.pulses()).toEqual([]);
});
