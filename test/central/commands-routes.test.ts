/**
 * The operator's command routes of lockerd-central, end to end with the real central PostgreSQL
 * and a real bank daemon syncing: a door opened through the API is "done" only once the door
 * opened, "failed" after a jam; roles, an unknown bank and a bad kind are refused.
 */
import { bankSyncConfig } from "../support/central.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { commandsModule } from "../../src/central/service/commands-module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { startTestCentralService } from "../support/central-service.js";
import { TEST_OPERATOR, TEST_OPERATOR_CONFIG, TEST_OPERATOR_PEM } from "../support/signed-commands.js";
import { useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 60_000 });

const central = useTestCentral();
const dir = mkdtempSync(join(tmpdir(), "lockerd-central-cmd-"));
let service: CentralInstance;
let tokens: { operator: string; viewer: string };
let t: DaemonTestBank<Clock> | null = null;

beforeAll(async () => {
  const keyFile = join(dir, "commands.key");
  writeFileSync(keyFile, TEST_OPERATOR_PEM, { mode: 0o600 });
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [commandsModule], config: { commands: { keyFile } } });
  const admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  tokens = { operator: await createOperatorToken(admin, "alice", "operator"), viewer: await createOperatorToken(admin, "victor", "viewer") };
  await admin.end();
});
afterEach(async () => {
  await t?.dispose();
  t = null;
});
afterAll(async () => {
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as T };
}

async function syncingBank(): Promise<{ bankId: string; t: DaemonTestBank<Clock> }> {
  const login = await central.addBank();
  const { bankId } = login;
  t = await createTestBank({
    daemon: {
      config: {
        bank: { id: bankId },
        doors: { openTimeoutMs: 1500 },
        commands: { trustedKeys: [TEST_OPERATOR_CONFIG] },
        sync: bankSyncConfig(login, dir, { intervalMs: 200, commandPollMs: 100 }),
      },
    },
    clock: "system",
  });
  return { bankId, t };
}

type View = { id: number; status: string; createdBy: string; keyId: string; result: Record<string, unknown> | null; refusal: string | null };

const outcome = (id: number) =>
  vi.waitFor(
    async () => {
      const r = await call<View>("GET", `/commands/${id}`, tokens.viewer);
      if (r.body.status === "pending" || r.body.status === "delivered") throw new Error(`still ${r.body.status}`);
      return r.body;
    },
    { timeout: 20_000, interval: 50 },
  );

it("an operator opens a door through the API: done only once it opened; failed after a jam", async () => {
  const { bankId, t } = await syncingBank();
  const created = await call<View>("POST", "/commands", tokens.operator, { bankId, kind: "open_door", args: { lockerId: "A02" } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ status: "pending", createdBy: "alice", keyId: TEST_OPERATOR.keyId });
  await vi.waitFor(() => expect(t.pulses()).toEqual(["A02"]), { timeout: 20_000, interval: 20 });
  await new Promise((r) => setTimeout(r, 500));
  expect((await call<View>("GET", `/commands/${created.body.id}`, tokens.viewer)).body.status).toBe("delivered");
  t.open("A02");
  expect(await outcome(created.body.id)).toMatchObject({ status: "done", result: { lockerId: "A02" } });

  t.sim.setFault("C04", "jammed");
  const jam = await call<View>("POST", "/commands", tokens.operator, { bankId, kind: "open_door", args: { lockerId: "C04" } });
  expect(await outcome(jam.body.id)).toMatchObject({ status: "failed", result: { error: { code: "DOOR_DID_NOT_OPEN" } } });

  const list = await call<{ commands: View[] }>("GET", `/commands?bank=${bankId}`, tokens.viewer);
  expect(list.body.commands.map((c) => [c.id, c.status])).toEqual([
    [jam.body.id, "failed"],
    [created.body.id, "done"],
  ]);
});

it("refuses a viewer, an unknown bank, an unknown kind and an unknown command", async () => {
  const { bankId } = await syncingBank();
  expect((await call("POST", "/commands", tokens.viewer, { bankId, kind: "open_door", args: { lockerId: "A01" } })).status).toBe(403);
  expect((await call("POST", "/commands", tokens.operator, { bankId: "no-such-bank", kind: "open_door", args: { lockerId: "A01" } })).status).toBe(404);
  const bad = await call<{ errors?: unknown[] }>("POST", "/commands", tokens.operator, { bankId, kind: "open_the_vault", args: {} });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain("kind");
  expect((await call("GET", "/commands/999999", tokens.viewer)).status).toBe(404);
  expect((await call("GET", "/commands", "not-a-token")).status).toBe(401);
});
