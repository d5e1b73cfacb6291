/**
 * Two lockerd-central instances (real processes) and one parcel: the first is killed (SIGKILL)
 * in the middle of its SMTP conversation, before the server accepted the message; the second
 * takes the message over when the first one's claim runs out. The customer gets exactly one
 * "stored" e-mail.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, expect, it, vi } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { doorClosed, doorOpened } from "../../src/bank/door-outcomes.js";
import { cryptoRandom } from "../../src/basics/ports.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { createSealer, generateSealingKeyPair } from "../../src/system/sealed-codes.js";
import { recordedDoorsBank } from "../support/bank.js";
import { createTestCentral } from "../support/central.js";
import { startCentralProcess, type CentralProcess } from "../support/central-service.js";
import { FakeClock } from "../support/clock.js";
import { silentLog } from "../support/log.js";
import { startSmtpProcess } from "../support/smtp-process.js";
import { syncSettings } from "../support/sync-parts.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

it("an instance killed mid-send: the other one sends, and the customer gets exactly one message", { timeout: 120_000 }, async () => {
  const central = await createTestCentral();
  cleanup.push(() => central.close());
  const login = await central.addBank("KILL-1");
  const { bankId } = login;
  const key = generateSealingKeyPair();
  const dir = mkdtempSync(join(tmpdir(), "notifier-kill-"));
  writeFileSync(join(dir, "notifier.key"), key.privatePem, { mode: 0o600 });
  writeFileSync(join(dir, "smtp.pw"), "secret\n", { mode: 0o600 });
  // the SMTP server takes 3 s to accept a recipient: the window in which the first instance dies
  const smtp = await startSmtpProcess({ delayMs: 3000 });
  cleanup.push(() => smtp.stop());
  const config = (instance: string) => {
    const file = join(dir, `${instance}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        instance,
        database: { url: central.db.url, poolSize: 3 },
        http: { host: "127.0.0.1", port: 0 },
        log: { level: "info", pretty: false },
        notifier: {
          privateKeyFiles: [join(dir, "notifier.key")],
          pollMs: 100,
          // room for a slow (loaded) machine: the lease is more than twice the transport's
          // timeout, and an attempt that times out anyway is retried within seconds
          leaseMs: 12_000,
          backoffMinMs: 500,
          backoffMaxMs: 2000,
          email: { host: "127.0.0.1", port: smtp.port, allowUntrustedCertificate: true, user: "lockerd", passwordFile: join(dir, "smtp.pw"), from: "noreply@lockers.example", timeoutMs: 5900 },
        },
      }),
    );
    return file;
  };

  const pool = new pg.Pool({ connectionString: central.db.url, max: 2 });
  cleanup.push(() => pool.end());
  const carrier = await createOperatorToken(pool, "carrier", "carrier");

  const a: CentralProcess = await startCentralProcess(config("a"));
  cleanup.push(() => a.stop("SIGKILL"));
  const advice = await fetch(`${a.url}/parcels/advice`, {
    method: "POST",
    headers: { authorization: `Bearer ${carrier}`, "content-type": "application/json" },
    body: JSON.stringify({ trackingRef: "TR-K1", bankId, recipient: { email: "kim@example.org" } }),
  });
  expect(advice.status).toBe(201);

  // the parcel is stored at the bank, which syncs
  const sealer = createSealer([key.publicKey]);
  const bank = recordedDoorsBank({ lockers: [["A01", "S"]], clock: new FakeClock(Date.now()), random: cryptoRandom, sealCodes: (p, c) => sealer.seal(bankId, p, c) });
  cleanup.push(() => bank.dispose());
  const parcel = await assignLocker(bank.ctx, { size: "S", trackingRef: "TR-K1" });
  doorOpened(bank.ctx, parcel.intentId);
  doorClosed(bank.ctx, parcel.intentId);
  const sync = new SyncLoop({ ctx: bank.ctx, link: central.link(login), log: silentLog }, syncSettings(bankId));
  cleanup.push(() => sync.stop());
  await sync.runOnce();

  // instance a is in the middle of the SMTP conversation: kill it
  await vi.waitFor(() => expect(smtp.started()).toBe(1), { timeout: 20_000, interval: 20 });
  expect(await a.stop("SIGKILL")).toBe("SIGKILL");
  const row = await central.db.admin<{ status: string; claimed_by: string; attempts: number }>("SELECT status, claimed_by, attempts FROM central.notifications WHERE tracking_ref = 'TR-K1' AND kind = 'stored'");
  expect(row.rows[0]).toMatchObject({ status: "sending", claimed_by: "a", attempts: 1 });

  // instance b takes it over once a's claim has run out
  const b = await startCentralProcess(config("b"));
  cleanup.push(() => b.stop());
  await vi.waitFor(() => expect(smtp.mails).toHaveLength(1), { timeout: 60_000, interval: 100 });
  await new Promise((r) => setTimeout(r, 1500));
  expect(smtp.mails).toHaveLength(1);
  expect(smtp.mails[0]!.text).toContain(parcel.pickupCode);
  const done = await central.db.admin<{ status: string; claimed_by: string; attempts: number }>("SELECT status, claimed_by, attempts FROM central.notifications WHERE tracking_ref = 'TR-K1' AND kind = 'stored'");
  expect(done.rows[0]).toMatchObject({ status: "sent", claimed_by: "b" });
  expect(done.rows[0]!.attempts).toBeGreaterThanOrEqual(2);
  expect(await b.stop()).toBe(0);
});
