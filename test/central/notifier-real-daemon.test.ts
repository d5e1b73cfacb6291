/**
 * The notifier end to end with a real bank daemon (its own sync: the worker thread, the bank's
 * key, codes sealed to the notifier's key by its configuration), the real central PostgreSQL,
 * lockerd-central's notifier and a real SMTP server process: an advised parcel stored at the
 * bank gives exactly one e-mail, with the code the courier was given and the bank's deadline.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { notifierModule } from "../../src/central/notifier/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { generateSealingKeyPair } from "../../src/system/sealed-codes.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { bankSyncConfig } from "../support/central.js";
import { startTestCentralService } from "../support/central-service.js";
import { notifierConfig } from "../support/notifier-config.js";
import { startSmtpProcess, type SmtpProcess } from "../support/smtp-process.js";
import { useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const central = useTestCentral();
const dir = mkdtempSync(join(tmpdir(), "lockerd-notifier-daemon-"));
let smtp: SmtpProcess;
let service: CentralInstance;
let bank: DaemonTestBank<Clock> | null = null;

beforeAll(async () => {
  smtp = await startSmtpProcess();
  const key = generateSealingKeyPair();
  service = await startTestCentralService({ dbUrl: central.db.url, modules: [notifierModule], config: { notifier: notifierConfig(smtp, dir, { key }) } });
  const login = await central.addBank("REAL-1");
  bank = await createTestBank({
    daemon: {
      config: {
        bank: { id: login.bankId },
        sync: bankSyncConfig(login, dir, { intervalMs: 200, commandPollMs: 200, notifierKeys: [key.publicKey] }),
      },
    },
    clock: "system",
  });
});

afterAll(async () => {
  await bank?.dispose();
  await service?.stop();
  await smtp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("an advised parcel stored at a real daemon gives exactly one e-mail with its code and deadline", async () => {
  const carrier = await createOperatorToken(service.deps.pool, "dhl", "carrier");
  const advice = await fetch(`${service.url}/parcels/advice`, {
    method: "POST",
    headers: { authorization: `Bearer ${carrier}`, "content-type": "application/json" },
    body: JSON.stringify({ trackingRef: "TR-REAL-1", bankId: "REAL-1", recipient: { email: "ria@example.org" } }),
  });
  expect(advice.status).toBe(201);

  const a = await bank!.assign("S", "TR-REAL-1");
  bank!.deposit(a);
  const mails = () => smtp.mails.filter((m) => (m.header("subject") ?? "").includes("TR-REAL-1"));
  await vi.waitFor(() => expect(mails()).toHaveLength(1), { timeout: 30_000, interval: 100 });
  const mail = mails()[0]!;
  expect(mail.header("to")).toContain("ria@example.org");
  expect(mail.text).toContain(a.pickupCode);
  expect(mail.text).toContain(String(new Date(a.expiresAt).getUTCFullYear()));
  // the bank's outbox kept the sealed codes only until the center had them; no plain code ever
  await vi.waitFor(() => expect(bank!.events("parcel.assigned").every((e) => !("sealedCodes" in e.data))).toBe(true), { timeout: 10_000 });
  expect(JSON.stringify(bank!.events())).not.toContain(a.pickupCode);
  // once, however long it runs on
  await new Promise((r) => setTimeout(r, 1500));
  expect(mails()).toHaveLength(1);
});
