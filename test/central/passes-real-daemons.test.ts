/**
 * Passes end to end: two real bank daemons (their own sync: worker thread, bank key), the real
 * central PostgreSQL, lockerd-central's passes and notifier modules, and a real SMTP server
 * process. A return pass issued by a carrier opens a locker at the bank's scanner; once its
 * door closes the center learns it and the customer gets exactly one confirmation. A courier
 * pass signs in at both banks, none of which knows the courier; revoked at the center, it is
 * refused at both after their next sync. A pass row written into the central database by hand
 * opens nothing.
 */
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { notifierModule } from "../../src/central/notifier/module.js";
import { passesModule } from "../../src/central/passes/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { generateKeyPair } from "../../src/signing/ed25519.js";
import { signPass } from "../../src/signing/pass.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { bankSyncConfig } from "../support/central.js";
import { startTestCentralService } from "../support/central-service.js";
import { notifierConfig } from "../support/notifier-config.js";
import { startSmtpProcess, type SmtpProcess } from "../support/smtp-process.js";
import { useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const central = useTestCentral();
const dir = mkdtempSync(join(tmpdir(), "lockerd-passes-e2e-"));
const passKey = generateKeyPair();
let smtp: SmtpProcess;
let service: CentralInstance;
interface Site {
  bankId: string;
  t: DaemonTestBank<Clock>;
  scanner: SimScanner;
}
const sites: Site[] = [];
const tokens = { carrier: "", operator: "" };

beforeAll(async () => {
  smtp = await startSmtpProcess();
  writeFileSync(join(dir, "passes.key"), passKey.privatePem, { mode: 0o600 });
  service = await startTestCentralService({
    dbUrl: central.db.url,
    modules: [notifierModule, passesModule],
    config: {
      passes: { keyFile: join(dir, "passes.key") },
      notifier: notifierConfig(smtp, dir),
    },
  });
  tokens.carrier = await createOperatorToken(service.deps.pool, "dhl", "carrier");
  tokens.operator = await createOperatorToken(service.deps.pool, "olga", "operator");
  for (const name of ["PASS-1", "PASS-2"]) {
    const login = await central.addBank(name);
    // a pass is about 200 characters (kiosk.scanner.maxLength is 512 by default)
    const scanner = new SimScanner({ maxLength: 512, allowedSymbologies: [] });
    const t = await createTestBank({
      daemon: {
        config: {
          bank: { id: login.bankId },
          // the center's pass key: the bank knows nothing else of couriers or returns
          passes: { trustedKeys: [{ name: "center", publicKey: passKey.publicKey.base64 }] },
          sync: bankSyncConfig(login, dir, { intervalMs: 200, commandPollMs: 200 }),
        },
        input: { keypad: new SimKeypad(), scanner, indicator: new SimIndicator() },
      },
      clock: "system",
    });
    sites.push({ bankId: login.bankId, t, scanner });
  }
});

afterAll(async () => {
  for (const s of sites) await s.t.dispose();
  await service?.stop();
  await smtp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function post<T>(path: string, token: string, body: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${service.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as T };
}

type Issued = { pass: { passId: string }; text: string };

async function scan(s: Site, text: string): Promise<void> {
  s.scanner.scan(text);
  await s.t.daemon.kiosk.settled();
}

it("a return pass from a carrier opens a locker at the bank; the stored return reaches the center and the customer gets one confirmation", async () => {
  const [site] = sites;
  const issued = await post<Issued>("/passes/returns", tokens.carrier, { reference: "RMA-E2E-1", size: "S", banks: [site!.bankId], customer: { email: "ria@example.org" } });
  expect(issued.status).toBe(201);

  await scan(site!, issued.body.text);
  const used = site!.t.events("pass.used");
  expect(used.map((e) => e.data)).toEqual([{ passId: issued.body.pass.passId, kind: "return" }]);
  const lockerId = used[0]!.lockerId!;
  // the customer puts the parcel in and shuts the door
  site!.t.deposit({ lockerId });
  await site!.t.daemon.kiosk.settled();
  await vi.waitFor(() => expect(site!.t.events("return.stored")).toHaveLength(1), { timeout: 10_000, interval: 50 });

  const mails = () => smtp.mails.filter((m) => (m.header("subject") ?? "").includes("RMA-E2E-1"));
  await vi.waitFor(() => expect(mails()).toHaveLength(1), { timeout: 30_000, interval: 100 });
  expect(mails()[0]!.header("to")).toContain("ria@example.org");
  expect(mails()[0]!.text).toContain(site!.bankId);

  const view = await fetch(`${service.url}/passes/${issued.body.pass.passId}`, { headers: { authorization: `Bearer ${tokens.operator}` } });
  expect(((await view.json()) as { returned: unknown }).returned).toMatchObject({ bankId: site!.bankId, lockerId });

  // the one-time pass does not open a second locker
  await scan(site!, issued.body.text);
  expect(site!.t.events("pass.refused").at(-1)?.data).toMatchObject({ passId: issued.body.pass.passId, reason: "used" });
  expect(site!.t.events("pass.used")).toHaveLength(1);
  // once, however long it runs on
  await new Promise((r) => setTimeout(r, 1500));
  expect(mails()).toHaveLength(1);
});

it("a courier pass signs in at two banks that were never told of the courier; revoked centrally, both refuse it after their next sync", async () => {
  const issued = await post<Issued>("/passes/couriers", tokens.operator, { carrier: "dhl", courierId: "anna", banks: sites.map((s) => s.bankId), hours: 8 });
  expect(issued.status).toBe(201);
  for (const s of sites) {
    await scan(s, issued.body.text);
    expect(s.t.daemon.kiosk.state()).toMatchObject({ mode: "courier", courierId: "dhl:anna" });
    expect(s.t.events("courier.session_started").at(-1)?.data).toEqual({ courierId: "dhl:anna", via: "pass" });
  }

  const revoked = await post<{ passes: number }>("/passes/couriers/revoke", tokens.operator, { carrier: "dhl", courierId: "anna", reason: "badge lost" });
  expect(revoked).toMatchObject({ status: 200, body: { passes: 1 } });
  for (const s of sites) {
    await vi.waitFor(() => expect(s.t.store.passes.isRevoked(issued.body.pass.passId, "dhl:anna")).toBe(true), { timeout: 20_000, interval: 50 });
    // the session signed in with it ends at the courier's next action
    await scan(s, "PARCEL-AFTER-REVOKE");
    expect(s.t.daemon.kiosk.state().mode).toBe("customer");
    expect(s.t.events("courier.session_ended").at(-1)?.data).toMatchObject({ courierId: "dhl:anna", reason: "revoked" });
    expect(s.t.store.parcels.find({ trackingRef: "PARCEL-AFTER-REVOKE" })).toEqual([]);
    // and the pass signs no one in again
    await scan(s, issued.body.text);
    expect(s.t.events("pass.refused").at(-1)?.data).toEqual({ kind: "courier", passId: issued.body.pass.passId, reason: "revoked" });
    expect(s.t.daemon.kiosk.state().mode).toBe("customer");
  }
});

it("a compromised central database opens nothing: a pass row written by hand has no text, and the same pass signed with another key is refused at the bank", async () => {
  const [site] = sites;
  const passId = "5e".repeat(16);
  await central.db.admin(
    `INSERT INTO central.passes (pass_id, kind, banks, not_before, not_after, one_time, subject, carrier, key_id, issued_by)
     VALUES ($1, 'courier', '{}', now() - interval '1 minute', now() + interval '8 hours', false, 'dhl:mallory', 'dhl', $2, 'olga')`,
    [passId, passKey.publicKey.keyId],
  );
  const forged = signPass(
    { kind: "courier", passId, banks: [], notBefore: Math.floor(Date.now() / 1000) * 1000 - 60_000, notAfter: Date.now() + 8 * 3_600_000, oneTime: false, courier: { carrier: "dhl", courierId: "mallory" } },
    createPrivateKey(generateKeyPair().privatePem),
  );
  await scan(site!, forged);
  // the forger's claims are not repeated: kind and pass id only once a signature held
  expect(site!.t.events("pass.refused").at(-1)?.data).toEqual({ kind: null, passId: null, reason: "unknown_key" });
  expect(site!.t.daemon.kiosk.state().mode).toBe("customer");
  expect(site!.t.events("courier.session_started").some((e) => e.data.courierId === "dhl:mallory")).toBe(false);
});
