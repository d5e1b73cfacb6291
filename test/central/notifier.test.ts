/**
 * The notifier end to end: a carrier's advice, a real bank (its use cases, sealing, its real
 * sync loop into the real central PostgreSQL), lockerd-central with a real SMTP server process
 * and a real HTTP receiver for the SMS webhook. Exactly one "stored" message per channel with
 * the right code and the deadline in the bank's time zone; reminders on a virtual clock, and
 * again after a bulk deadline extension; SMTP down then up; dead letters; no plain code in the
 * database a bank or a dump can read.
 */
import { commandsModule } from "../../src/central/service/commands-module.js";
import { TEST_OPERATOR_PEM, testTrust } from "../support/signed-commands.js";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { doorClosed, doorOpened } from "../../src/bank/door-outcomes.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { notifierModule } from "../../src/central/notifier/module.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { createSealer, generateSealingKeyPair } from "../../src/system/sealed-codes.js";
import { recordedDoorsBank, type RecordedDoorsBank } from "../support/bank.js";
import { createTestCentral, type TestCentral } from "../support/central.js";
import { startTestCentralService } from "../support/central-service.js";
import { FakeClock } from "../support/clock.js";
import { silentLog, testLogger } from "../support/log.js";
import { notifierConfig } from "../support/notifier-config.js";
import { startSmtpProcess, type SmtpProcess } from "../support/smtp-process.js";
import { syncSettings } from "../support/sync-parts.js";
import { cryptoRandom } from "../../src/basics/ports.js";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 2, 1, 8, 0, 0); // 1 March 2026, 09:00 in Berlin
const WEBHOOK_SECRET = "webhook-secret-0123456789";

interface Hook {
  body: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}

describe("the notifier", { timeout: 180_000 }, () => {
  let central: TestCentral;
  let bankId: string;
  let bank: RecordedDoorsBank;
  let sync: SyncLoop;
  let smtp: SmtpProcess;
  let hookServer: Server;
  let hookUrl: string;
  const hooks: Hook[] = [];
  let hookStatus = 200;
  let service: CentralInstance;
  /** The notifier's virtual clock: runs with real time (retries come due), set forward by tests. */
  const clock = {
    offset: START - Date.now(),
    now: () => Date.now() + clock.offset,
    set(t: number) {
      clock.offset = t - Date.now();
    },
  };
  const logLines: Record<string, unknown>[] = [];
  let carrier: string;
  let operator: string;
  let viewer: string;
  const codes: { code: string; token: string }[] = [];
  /** The bank's own login (its role's URL): its sync link, and what a stolen bank password reads. */
  let bankLogin = "";

  beforeAll(async () => {
    central = await createTestCentral();
    const login = await central.addBank("BERLIN-1");
    bankId = login.bankId;
    bankLogin = login.url;
    await central.db.admin("UPDATE central.banks SET time_zone = 'Europe/Berlin', display_name = 'Alexanderplatz 1' WHERE id = $1", [bankId]);
    const key = generateSealingKeyPair();
    const dir = mkdtempSync(join(tmpdir(), "notifier-"));
    writeFileSync(join(dir, "webhook.secret"), WEBHOOK_SECRET + "\n", { mode: 0o600 });

    const sealer = createSealer([key.publicKey]);
    bank = recordedDoorsBank({
      lockers: Array.from({ length: 12 }, (_, i) => [`A${String(i + 1).padStart(2, "0")}`, "S"] as const),
      clock: new FakeClock(START),
      random: cryptoRandom,
      sealCodes: (parcelId, c) => sealer.seal(bankId, parcelId, c),
    });
    const link = central.link(login);
    // the bank trusts the service's command key (commands.keyFile below): extensions are signed
    sync = new SyncLoop({ ctx: bank.ctx, link, log: silentLog, trust: testTrust(bankId) }, syncSettings(bankId, { commandPollMs: 1 }));
    writeFileSync(join(dir, "commands.key"), TEST_OPERATOR_PEM, { mode: 0o600 });

    smtp = await startSmtpProcess();
    hookServer = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        hooks.push({ body: JSON.parse(raw) as Record<string, string>, headers: req.headers, raw });
        res.writeHead(hookStatus, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/sms`;

    service = await startTestCentralService({
      dbUrl: central.db.url,
      instance: "n1",
      modules: [notifierModule, commandsModule],
      clock,
      log: testLogger(logLines),
      config: {
        commands: { keyFile: join(dir, "commands.key") },
        notifier: notifierConfig(smtp, dir, {
          key,
          settings: { leaseMs: 30_000, backoffMinMs: 100, backoffMaxMs: 400, maxAttempts: 50, webhook: { url: hookUrl, secretFile: join(dir, "webhook.secret"), timeoutMs: 3000 } },
        }),
      },
    });
    carrier = await createOperatorToken(service.deps.pool, "dhl", "carrier");
    operator = await createOperatorToken(service.deps.pool, "ops", "operator");
    viewer = await createOperatorToken(service.deps.pool, "eyes", "viewer");
  });

  afterAll(async () => {
    await service?.stop();
    await sync?.stop();
    await bank?.dispose();
    await smtp?.stop();
    await new Promise((r) => hookServer?.close(r));
    await central?.close();
  });

  const post = (path: string, token: string, body: unknown) =>
    fetch(service.url + path, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const get = async (path: string, token: string) => (await fetch(service.url + path, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<Record<string, unknown>>;

  /** A courier stores a parcel at the bank (assign, door opens, closes); the bank syncs. */
  async function store(ref: string) {
    const a = await assignLocker(bank.ctx, { size: "S", trackingRef: ref });
    bank.clock.advance(2000);
    doorOpened(bank.ctx, a.intentId);
    bank.clock.advance(3000);
    doorClosed(bank.ctx, a.intentId);
    codes.push({ code: a.pickupCode, token: a.pickupToken });
    await sync.runOnce();
    return a;
  }

  const mailsFor = (ref: string) => smtp.mails.filter((m) => (m.header("subject") ?? "").includes(ref));
  const hooksFor = (ref: string) => hooks.filter((h) => h.body.text?.includes(ref));

  it("a malformed advice is a 400 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ bankId, recipient: { email: "a@b.example" } }, "trackingRef"],
      [{ trackingRef: "X", bankId, recipient: { email: "not-an-address" } }, "recipient.email"],
      [{ trackingRef: "X", bankId, recipient: { phone: "0151 123" } }, "recipient.phone"],
      [{ trackingRef: "X", bankId: "no spaces", recipient: { email: "a@b.example" } }, "bankId"],
      [{ trackingRef: "X", bankId, recipient: {} }, "recipient.email"],
      [{ trackingRef: "X", bankId, recipient: { email: "a@b.example", language: "German" } }, "recipient.language"],
    ];
    for (const [body, field] of cases) {
      const r = await post("/parcels/advice", carrier, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get("content-type")).toMatch(/problem\+json/);
      expect(((await r.json()) as { field: string }).field, JSON.stringify(body)).toBe(field);
    }
    const unknownBank = await post("/parcels/advice", carrier, { trackingRef: "X", bankId: "NOWHERE", recipient: { email: "a@b.example" } });
    expect(unknownBank.status).toBe(404);
    expect((await post("/parcels/advice", viewer, { trackingRef: "X", bankId, recipient: { email: "a@b.example" } })).status).toBe(403);
  });

  it("an advised parcel stored at the bank gives exactly one e-mail and one SMS, with its code and the deadline in the bank's time zone", async () => {
    const r = await post("/parcels/advice", carrier, { trackingRef: "TR-100", bankId, recipient: { email: "anna@example.org", phone: "+4915112345678", language: "de" } });
    expect(r.status).toBe(201);
    expect(await r.json()).toMatchObject({ status: "waiting", parcelId: null });
    const a = await store("TR-100");
    await vi.waitFor(() => expect(mailsFor("TR-100")).toHaveLength(1), { timeout: 20_000, interval: 100 });
    await vi.waitFor(() => expect(hooksFor("TR-100")).toHaveLength(1), { timeout: 20_000, interval: 100 });
    const mail = mailsFor("TR-100")[0]!;
    expect(mail.secure).toBe(true); // STARTTLS
    expect(mail.header("to")).toBe("anna@example.org");
    expect(mail.header("subject")).toContain("Ihr Paket TR-100"); // German template
    expect(mail.text).toContain(`Abholcode: ${a.pickupCode}`);
    expect(mail.text).toContain(`https://lockers.example/qr#${encodeURIComponent(a.pickupToken)}`);
    // deadline: 72 h after the assignment, 09:00:00 UTC+1 on 4 March → shown in Berlin time
    expect(mail.text).toContain("Mittwoch, 4. März 2026 um 09:00 (Europe/Berlin)");
    expect(mail.header("message-id")).toMatch(/^<lockerd\.\d+\.stored\.email\.\d+@lockers\.example>$/);
    const hook = hooksFor("TR-100")[0]!;
    expect(hook.body.to).toBe("+4915112345678");
    expect(hook.body.text).toContain(a.pickupCode);
    expect(hook.headers["idempotency-key"]).toMatch(/^<lockerd\.\d+\.stored\.sms\.\d+@/);
    const ts = hook.headers["x-lockerd-timestamp"] as string;
    expect(hook.headers["x-lockerd-signature"]).toBe("sha256=" + createHmac("sha256", WEBHOOK_SECRET).update(`${ts}.${hook.raw}`).digest("hex"));

    // more rounds, the event again (a re-sent batch), the advice again: still one of each
    await sync.runOnce();
    expect((await post("/parcels/advice", carrier, { trackingRef: "TR-100", bankId, recipient: { email: "anna@example.org", phone: "+4915112345678", language: "de" } })).status).toBe(200);
    await new Promise((res) => setTimeout(res, 500));
    expect(mailsFor("TR-100")).toHaveLength(1);
    expect(hooksFor("TR-100")).toHaveLength(1);
    const state = await get(`/parcels/advice/${bankId}/TR-100`, viewer);
    expect(state.advice).toMatchObject({ status: "matched", parcelId: a.parcelId });
    expect((state.messages as { kind: string; status: string }[]).filter((m) => m.kind === "stored").map((m) => m.status)).toEqual(["sent", "sent"]);
  });

  it("a stored parcel with no advice waits for one, shown in the API; an advice never matched expires", async () => {
    await store("TR-NOADVICE");
    const waiting = (await get(`/parcels/unadvised?bankId=${bankId}`, viewer)).parcels as { trackingRef: string }[];
    expect(waiting.map((p) => p.trackingRef)).toContain("TR-NOADVICE");
    expect((await post("/parcels/advice", carrier, { trackingRef: "TR-NEVER", bankId, recipient: { email: "x@example.org" } })).status).toBe(201);
    clock.set(clock.now() + 15 * 24 * HOUR); // past the advice's 14 days (the notifier's clock only)
    await vi.waitFor(async () => expect(((await get(`/parcels/advice/${bankId}/TR-NEVER`, viewer)).advice as { status: string }).status).toBe("expired"), { timeout: 10_000 });
    clock.set(clock.now() - 15 * 24 * HOUR);
  });

  it("a reminder fires before the deadline on a virtual clock; after a bulk extension the reminder follows the new deadline", async () => {
    await post("/parcels/advice", carrier, { trackingRef: "TR-200", bankId, recipient: { email: "ben@example.org" } });
    const a = await store("TR-200");
    await vi.waitFor(() => expect(mailsFor("TR-200")).toHaveLength(1), { timeout: 20_000, interval: 100 });
    expect(mailsFor("TR-200")[0]!.text).toContain(a.pickupCode);
    // 24 h before the deadline: the reminder (English, the advice's default language)
    clock.set(a.expiresAt - 24 * HOUR - 60_000);
    await new Promise((res) => setTimeout(res, 400));
    expect(mailsFor("TR-200")).toHaveLength(1);
    clock.set(a.expiresAt - 24 * HOUR + 60_000);
    await vi.waitFor(() => expect(mailsFor("TR-200")).toHaveLength(2), { timeout: 20_000, interval: 100 });
    const reminder = mailsFor("TR-200")[1]!;
    expect(reminder.header("subject")).toMatch(/^Reminder: please collect parcel TR-200 by /);
    expect(reminder.text).toContain(a.pickupCode);

    // a storm: every live parcel at the bank gets 48 hours more. The extensions are signed at the
    // service's time, and the bank checks their validity against its own: its clock catches up.
    bank.clock.advance(clock.now() - bank.clock.now());
    const ext = await post("/deadlines/extend", operator, { bankId, hours: 48 });
    expect(ext.status).toBe(202);
    expect(((await ext.json()) as { commands: number }).commands).toBeGreaterThanOrEqual(1);
    const cmds = await central.db.admin<{ n: number }>("SELECT count(*)::int AS n FROM central.bank_commands WHERE bank_id = $1 AND kind = 'extend_deadline'", [bankId]);
    expect(cmds.rows[0]!.n).toBeGreaterThanOrEqual(1);
    // the bank pulls the commands, applies them, reports the new deadlines
    bank.clock.advance(1000);
    await sync.runOnce();
    expect(bank.ctx.store.parcels.get(a.parcelId)!.expiresAt).toBe(a.expiresAt + 48 * HOUR);
    const p = await central.db.admin<{ expires_at: Date }>("SELECT expires_at FROM central.parcels WHERE bank_id = $1 AND parcel_id = $2", [bankId, a.parcelId]);
    expect(p.rows[0]!.expires_at.getTime()).toBe(a.expiresAt + 48 * HOUR);
    // the old deadline passes: no "expired" message; the reminder is planned again for the new one
    clock.set(a.expiresAt + 60_000);
    await new Promise((res) => setTimeout(res, 400));
    expect(mailsFor("TR-200")).toHaveLength(2);
    clock.set(a.expiresAt + 48 * HOUR - 24 * HOUR + 60_000);
    await vi.waitFor(() => expect(mailsFor("TR-200")).toHaveLength(3), { timeout: 20_000, interval: 100 });
    expect(mailsFor("TR-200")[2]!.header("subject")).toMatch(/^Reminder/);
    clock.set(START);
  });

  it("SMTP down for a while, then up: every e-mail delivered, none twice; the SMS go out meanwhile", async () => {
    await smtp.stop();
    const refs = ["TR-301", "TR-302", "TR-303"];
    for (const ref of refs) await post("/parcels/advice", carrier, { trackingRef: ref, bankId, recipient: { email: `${ref}@example.org`, phone: "+4915100000000" } });
    for (const ref of refs) await store(ref);
    // the webhook does not wait for the e-mail server
    await vi.waitFor(() => expect(refs.every((r) => hooksFor(r).length === 1)).toBe(true), { timeout: 20_000, interval: 100 });
    await vi.waitFor(
      async () => {
        const r = await central.db.admin<{ n: number }>("SELECT count(*)::int AS n FROM central.notifications WHERE channel = 'email' AND kind = 'stored' AND attempts >= 2 AND status <> 'sent' AND tracking_ref = ANY($1)", [refs]);
        expect(r.rows[0]!.n).toBe(3);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(refs.every((r) => mailsFor(r).length === 0)).toBe(true);
    await smtp.start();
    await vi.waitFor(() => expect(refs.every((r) => mailsFor(r).length === 1)).toBe(true), { timeout: 30_000, interval: 100 });
    await new Promise((res) => setTimeout(res, 800));
    expect(refs.map((r) => mailsFor(r).length)).toEqual([1, 1, 1]);
    expect(refs.map((r) => hooksFor(r).length)).toEqual([1, 1, 1]);
    const ids = smtp.mails.map((m) => m.header("message-id"));
    expect(new Set(ids).size).toBe(ids.length);
    expect(logLines.some((l) => l.msg === "message not delivered; will retry" && l.channel === "email")).toBe(true);
  });

  it("a message that keeps failing is dead-lettered: in the API, the metrics and a log line", async () => {
    hookStatus = 500;
    await post("/parcels/advice", carrier, { trackingRef: "TR-400", bankId, recipient: { phone: "+4915199999999" } });
    await store("TR-400");
    // most of its attempts spent already (the test does not wait through fifty)
    await vi.waitFor(async () => {
      const r = await central.db.admin("UPDATE central.notifications SET attempts = 48 WHERE tracking_ref = 'TR-400' AND kind = 'stored' AND status <> 'dead' RETURNING id");
      expect(r.rowCount).toBe(1);
    });
    await vi.waitFor(
      async () => {
        const dead = (await get("/notifications/dead", viewer)).messages as { trackingRef: string; channel: string; lastError: string }[];
        expect(dead.find((d) => d.trackingRef === "TR-400")).toMatchObject({ channel: "sms", lastError: expect.stringContaining("500") });
      },
      { timeout: 30_000, interval: 100 },
    );
    hookStatus = 200;
    expect(logLines.some((l) => l.msg === "message dead-lettered" && l.channel === "sms")).toBe(true);
    const metrics = await (await fetch(service.url + "/metrics", { headers: { authorization: `Bearer ${viewer}` } })).text();
    expect(metrics).toMatch(/lockerd_central_notifications_dead_total\{kind="stored",channel="sms"\} [1-9]/);
    expect(metrics).toMatch(/lockerd_central_notifications_dead [1-9]/);
    // an operator tries it again once the gateway is back
    const dead = (await get("/notifications/dead", viewer)).messages as { id: number; trackingRef: string }[];
    const id = dead.find((d) => d.trackingRef === "TR-400")!.id;
    expect((await post(`/notifications/${id}/retry`, operator, {})).status).toBe(202);
    await vi.waitFor(() => expect(hooks.filter((h) => h.body.text?.includes("TR-400") && h.body.to === "+4915199999999").length).toBeGreaterThanOrEqual(1), { timeout: 20_000 });
  });

  it("neither the bank's role nor a plain pg_dump holds a live plain code or token", async () => {
    expect(codes.length).toBeGreaterThanOrEqual(5);
    const asBank = new pg.Client({ connectionString: bankLogin });
    await asBank.connect();
    try {
      // the bank's login (the shared ingest role) reads no table at all, let alone a code
      for (const t of ["parcels", "events", "lockers", "banks", "bank_commands", "parcel_history", "advice", "notifications"]) {
        await expect(asBank.query(`SELECT * FROM central.${t}`)).rejects.toThrow(/permission denied/);
      }
    } finally {
      await asBank.end();
    }
    const seen = JSON.stringify((await central.db.admin("SELECT * FROM central.parcels")).rows);
    expect(seen).toContain('"sealed_codes":{"r":'); // sealed, as it came
    const dump = execFileSync(pgDump(), ["--data-only", "--dbname", central.db.url], { encoding: "utf8", maxBuffer: 64 << 20 });
    expect(dump).toContain("TR-100");
    // a code is 8 digits: look for it as a whole number (base64 text may hold any 8 digits by chance)
    const asNumber = (code: string) => new RegExp(`(?<![0-9A-Za-z_-])${code}(?![0-9A-Za-z_-])`);
    for (const c of codes) {
      expect(seen).not.toMatch(asNumber(c.code));
      expect(seen).not.toContain(c.token);
      expect(dump).not.toMatch(asNumber(c.code));
      expect(dump).not.toContain(c.token);
    }
  });
});

function pgDump(): string {
  const out = execFileSync("sh", ["-c", "ls -d /usr/lib/postgresql/*/bin/pg_dump | sort -V | tail -1"], { encoding: "utf8" }).trim();
  return out || "pg_dump";
}
