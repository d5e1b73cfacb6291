/**
 * The notifier's confirmation of a stored return, through the real ingest (a bank's keyed
 * batch into the real central PostgreSQL): one SMS per return through the webhook, an e-mail
 * that cannot be delivered dead-lettered like any other message, and no message for a return
 * whose pass names no one or that this center never issued; a bank re-sending its batch
 * confirms nothing twice.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { notifierModule } from "../../src/central/notifier/module.js";
import { passesModule } from "../../src/central/passes/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { generateKeyPair } from "../../src/signing/ed25519.js";
import { ingestAs, type TestBankLogin } from "../support/central.js";
import { startTestCentralService } from "../support/central-service.js";
import { useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 60_000 });

const central = useTestCentral();
const dir = mkdtempSync(join(tmpdir(), "lockerd-return-notes-"));
let service: CentralInstance;
let hookServer: Server;
const hooks: { text: string; to: string; kind: string }[] = [];
let login: TestBankLogin;
let asBank: pg.Client;
let carrier: string;
let viewer: string;
let seq = 0;

beforeAll(async () => {
  hookServer = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const b = JSON.parse(raw) as { text: string; to: string; kind: string };
      hooks.push(b);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
  // an SMTP port nobody listens on: every e-mail attempt fails
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  writeFileSync(join(dir, "passes.key"), generateKeyPair().privatePem, { mode: 0o600 });
  writeFileSync(join(dir, "webhook.secret"), "webhook-secret-0123456789\n", { mode: 0o600 });
  service = await startTestCentralService({
    dbUrl: central.db.url,
    modules: [notifierModule, passesModule],
    config: {
      passes: { keyFile: join(dir, "passes.key") },
      notifier: {
        pollMs: 50,
        backoffMinMs: 50,
        backoffMaxMs: 100,
        maxAttempts: 2,
        email: { host: "127.0.0.1", port: deadPort, from: "Lockers <noreply@lockers.example>", timeoutMs: 1000 },
        webhook: { url: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/sms`, secretFile: join(dir, "webhook.secret"), timeoutMs: 2000, body: { to: "{{phone}}", text: "{{text}}", kind: "{{kind}}" } },
      },
    },
  });
  carrier = await createOperatorToken(service.deps.pool, "dhl", "carrier");
  viewer = await createOperatorToken(service.deps.pool, "victor", "viewer");
  login = await central.addBank("RET-1");
  await central.db.admin(`UPDATE central.banks SET display_name = 'Hauptbahnhof' WHERE id = 'RET-1'`);
  asBank = new pg.Client({ connectionString: login.url });
  await asBank.connect();
});
afterAll(async () => {
  await asBank.end();
  await service.stop();
  await new Promise((r) => hookServer.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function issue(reference: string, customer?: Record<string, string>): Promise<string> {
  const r = await fetch(`${service.url}/passes/returns`, {
    method: "POST",
    headers: { authorization: `Bearer ${carrier}`, "content-type": "application/json" },
    body: JSON.stringify({ reference, size: "S", banks: ["RET-1"], ...(customer ? { customer } : {}) }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { pass: { passId: string } }).pass.passId;
}

/** The bank's return.stored event, as its sync sends it (keyed, the real ingest). */
function storedEvent(passId: string, reference: string, parcelId: string): string {
  seq++;
  return JSON.stringify([[seq, Date.now(), true, "return.stored", "A01", parcelId, { passId, reference, size: "S", carrier: "dhl" }]]);
}

it("a stored return is confirmed once by SMS; an e-mail that cannot be delivered is dead-lettered like any message", async () => {
  const passId = await issue("RMA-SMS-1", { email: "ria@example.org", phone: "+4915112345678" });
  const batch = storedEvent(passId, "RMA-SMS-1", "R-1");
  await ingestAs(asBank, "RET-1", login.key, batch);
  await vi.waitFor(() => expect(hooks.filter((h) => h.text.includes("RMA-SMS-1"))).toHaveLength(1), { timeout: 20_000, interval: 50 });
  const sms = hooks.find((h) => h.text.includes("RMA-SMS-1"))!;
  expect(sms).toMatchObject({ to: "+4915112345678", kind: "return_stored" });
  expect(sms.text).toContain("Hauptbahnhof");

  const dead = async () => {
    const r = await fetch(`${service.url}/notifications/dead`, { headers: { authorization: `Bearer ${viewer}` } });
    return ((await r.json()) as { messages: { trackingRef: string; kind: string; channel: string; attempts: number; lastError: string | null }[] }).messages.filter((m) => m.trackingRef === "RMA-SMS-1");
  };
  await vi.waitFor(async () => expect(await dead()).toHaveLength(1), { timeout: 30_000, interval: 100 });
  expect((await dead())[0]).toMatchObject({ kind: "return_stored", channel: "email", attempts: 2 });
  expect((await dead())[0]!.lastError).toBeTruthy();

  // the bank sends the same batch again (a lost answer): nothing more goes out
  await ingestAs(asBank, "RET-1", login.key, batch);
  await new Promise((r) => setTimeout(r, 800));
  expect(hooks.filter((h) => h.text.includes("RMA-SMS-1"))).toHaveLength(1);
});

it("no message for a return whose pass names no one, nor for a pass this center did not issue; both are recorded", async () => {
  const silent = await issue("RMA-QUIET");
  await ingestAs(asBank, "RET-1", login.key, storedEvent(silent, "RMA-QUIET", "R-2"));
  await ingestAs(asBank, "RET-1", login.key, storedEvent("9".repeat(32), "RMA-FOREIGN", "R-3"));
  await vi.waitFor(
    async () => {
      const r = await central.db.admin<{ parcel_id: string; planned: boolean }>(`SELECT parcel_id, planned_at IS NOT NULL AS planned FROM central.returns WHERE parcel_id IN ('R-2', 'R-3') ORDER BY 1`);
      expect(r.rows).toEqual([{ parcel_id: "R-2", planned: true }, { parcel_id: "R-3", planned: true }]);
    },
    { timeout: 10_000, interval: 50 },
  );
  const planned = await central.db.admin(`SELECT 1 FROM central.notifications WHERE parcel_id IN ('R-2', 'R-3')`);
  expect(planned.rowCount).toBe(0);
  expect(hooks.some((h) => h.text.includes("RMA-QUIET") || h.text.includes("RMA-FOREIGN"))).toBe(false);
});

it("GET /returns: where returns wait, with their confirmation; a carrier sees its own only; collected ones drop out", async () => {
  const ups = await createOperatorToken(service.deps.pool, "ups", "carrier");
  const get = async (path: string, token: string) => {
    const r = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, body: (await r.json()) as { returns?: { parcelId: string; carrier: string; confirmation: unknown[]; collectedAt: string | null }[] } };
  };
  const own = await get("/returns?bank=RET-1", carrier);
  expect(own.status).toBe(200);
  expect(own.body.returns!.map((r) => r.parcelId).sort()).toEqual(["R-1", "R-2", "R-3"]);
  expect(own.body.returns!.find((r) => r.parcelId === "R-1")!.confirmation).toEqual([
    { channel: "email", status: "dead" },
    { channel: "sms", status: "sent" },
  ]);
  expect((await get("/returns", ups)).body.returns).toEqual([]);
  expect((await get("/returns?carrier=dhl", ups)).status).toBe(403);
  expect((await get("/returns?state=maybe", viewer)).status).toBe(400);
  // a carrier's courier collects R-2 at the bank
  seq++;
  await ingestAs(asBank, "RET-1", login.key, JSON.stringify([[seq, Date.now(), true, "return.collected", "A01", "R-2", { carrier: "dhl", reference: "RMA-QUIET" }]]));
  expect((await get("/returns?carrier=dhl", viewer)).body.returns!.map((r) => r.parcelId).sort()).toEqual(["R-1", "R-3"]);
  const collected = (await get("/returns?state=collected", viewer)).body.returns!;
  expect(collected.map((r) => r.parcelId)).toEqual(["R-2"]);
  expect(collected[0]!.collectedAt).not.toBeNull();
});
