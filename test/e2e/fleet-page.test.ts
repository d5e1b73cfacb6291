/**
 * The fleet page in a real headless Chromium, fed by two real simulated bank daemons syncing to
 * a real PostgreSQL through lockerd-central: both banks appear as tiles, a door forced at one
 * bank appears as an alarm (on its tile, in the alarm list, on the drawn door) and a bank that
 * stops is shown offline, all without a reload; a parcel is found by its tracking ref with its
 * history, and a command shows in the log; the alarm of the bank refusing that (unsigned)
 * command leaves the page once an operator clears it. A viewer's page offers no "clear"; an
 * operator's page clears an alarm with a note (it leaves the open alarms, the clearing shows who,
 * when and why) and shows the API's problem when someone else cleared it first. Screenshots land
 * in test-artifacts/.
 */
import { bankSyncConfig } from "../support/central.js";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { fleetModule } from "../../src/central/fleet/module.js";
import { createOperatorToken } from "../../src/central/service/auth.js";
import type { CentralInstance } from "../../src/central/service/service.js";
import { startTestCentralService } from "../support/central-service.js";
import { silentLog } from "../support/log.js";
import { useTestCentral } from "../support/sync-parts.js";

const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(process.cwd(), "test-artifacts");

const central = useTestCentral();
let dir: string;
let service: CentralInstance;
let browser: Browser;
let page: Page;
const daemons = new Map<string, Daemon>();
let token = "";
let operatorToken = "";
let nightShiftToken = "";
const violations: string[] = [];

async function startBank(bankId: string): Promise<Daemon> {
  const login = await central.addBank(bankId);
  const bankDir = mkdtempSync(join(dir, `${bankId}-`));
  const config = {
    bank: { id: bankId },
    dataDir: bankDir,
    http: { host: "127.0.0.1", port: 0 },
    hardware: { driver: "sim", sim: { person: { enabled: false } } },
    // a status report at every command poll: the center hears from the bank twice a second
    sync: bankSyncConfig(login, bankDir, { intervalMs: 250, commandPollMs: 500 }),
    log: { level: "warn" },
  };
  writeFileSync(join(bankDir, "lockerd.json"), JSON.stringify(config));
  const d = await startDaemon(loadConfig({ path: join(bankDir, "lockerd.json"), env: {} }), silentLog);
  daemons.set(bankId, d);
  return d;
}

async function bankApi(bankId: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(daemons.get(bankId)!.url + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lockerd-fleet-page-"));
  const admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  token = await createOperatorToken(admin, "wall-screen", "viewer");
  operatorToken = await createOperatorToken(admin, "ops-desk", "operator");
  nightShiftToken = await createOperatorToken(admin, "night-shift", "operator");
  await admin.end();
  service = await startTestCentralService({
    dbUrl: central.db.url,
    modules: [fleetModule],
    config: { fleet: { offlineAfterMs: 4000, pagePollMs: 400 }, log: { level: "warn" } },
  });
  await startBank("north-07");
  await startBank("south-12");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.addInitScript(`localStorage.setItem("lockerd-central-token", ${JSON.stringify(token)})`);
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  for (const d of daemons.values()) await d.stop().catch(() => {});
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the fleet page", () => {
  it("shows every bank as a tile, online, with occupancy by size", async () => {
    let navigations = 0;
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    await page.goto(`${service.url}/fleet`);
    await poll(() => page.getAttribute("#tile-north-07", "data-online")).toBe("true");
    await poll(() => page.getAttribute("#tile-south-12", "data-online")).toBe("true");
    await poll(() => page.locator("#tile-north-07 .occ .bar").count()).toBeGreaterThan(0);
    // the summary comes with its own request, before the tiles': it may follow them by a poll
    await poll(() => page.textContent("#online")).toContain("2/2 online");
    await page.evaluate("window.stillTheSamePage = true");
    (globalThis as { navigations?: () => number }).navigations = () => navigations;
  });

  it("draws a bank like the bank page, read-only and live", async () => {
    await bankApi("north-07", "POST", "/lockers/assign", { size: "M", parcel: "NL-4711" });
    await page.click("#tile-north-07");
    await poll(() => page.locator("#bank .door").count()).toBe(24);
    await poll(async () => page.locator("#bank .door[data-status=RESERVED]").count()).toBe(1);
    // door truth: the bank's compartment health from its status report
    await poll(() => page.textContent("#detail-meta")).toMatch(/locker health: 0 of 24 below 50, lowest A01 100/);
    await page.screenshot({ path: join(ARTIFACTS, "fleet-page-banks.png"), fullPage: true });
  });

  it("an alarm appears without a reload when a door is forced", async () => {
    await bankApi("north-07", "POST", "/sim/doors/A03", { action: "force" });
    await poll(() => page.getAttribute("#tile-north-07", "data-alarms")).toBe("true");
    await poll(() => page.locator('#alarms li[data-kind="door_forced"][data-bank="north-07"]').count()).toBe(1);
    await poll(() => page.getAttribute("#door-A03", "data-alarm")).toBe("true");
    expect(await page.textContent("#tile-north-07 .badge")).toContain("1 alarm");
    await page.screenshot({ path: join(ARTIFACTS, "fleet-page-alarm.png"), fullPage: true });
  });

  it("a bank that stops is shown offline without a reload", async () => {
    await daemons.get("south-12")!.stop();
    daemons.delete("south-12");
    await poll(() => page.getAttribute("#tile-south-12", "data-online")).toBe("false");
    await poll(() => page.locator('#alarms li[data-kind="offline"][data-bank="south-12"]').count()).toBe(1);
    // the summary comes with its own request: it may follow the tiles by a poll
    await poll(() => page.textContent("#online")).toContain("1 offline");
    await page.click('.tabs button[data-only="attention"]');
    await poll(() => page.locator(".tile").count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, "fleet-page-offline.png"), fullPage: true });
    await page.click('.tabs button[data-only=""]');
  });

  it("finds a parcel by tracking ref with its history, and shows the command log", async () => {
    await page.fill("#search", "NL-4711");
    await page.click("#search-form button");
    await poll(() => page.locator("#search-results .history li").count()).toBeGreaterThan(0);
    expect(await page.textContent("#search-results")).toContain("parcel.assigned");
    await central.db.admin(`INSERT INTO central.bank_commands (bank_id, kind, args) VALUES ('north-07', 'out_of_service', '{"lockerId":"C01","reason":"graffiti"}')`);
    await poll(() => page.locator("#commands li[data-command]").count()).toBe(1);
    expect(await page.textContent("#commands")).toContain("out of service");
    await page.screenshot({ path: join(ARTIFACTS, "fleet-page-search.png"), fullPage: true });
    // all of it in one page load
    expect(await page.evaluate("window.stillTheSamePage")).toBe(true);
    expect((globalThis as { navigations?: () => number }).navigations!()).toBe(1);
  });

  it("the refused command's alarm leaves the page without a reload once an operator clears it", async () => {
    const refused = '#alarms li[data-kind="command_refused"][data-bank="north-07"]';
    await poll(() => page.locator(refused).count()).toBe(1);
    const list = await fetch(`${service.url}/fleet/alarms?bankId=north-07`, { headers: { Authorization: `Bearer ${token}` } });
    const { alarms } = (await list.json()) as { alarms: { id: number; kind: string }[] };
    const id = alarms.find((a) => a.kind === "command_refused")!.id;
    const res = await fetch(`${service.url}/fleet/alarms/${id}/clear`, {
      method: "POST",
      headers: { Authorization: `Bearer ${operatorToken}`, "content-type": "application/json" },
      body: JSON.stringify({ note: "test command inserted by hand" }),
    });
    expect(res.status).toBe(200);
    await poll(() => page.locator(refused).count()).toBe(0);
    expect(await page.evaluate("window.stillTheSamePage")).toBe(true);
  });

  it("runs only its own script and cannot be framed (it may hold an operator token)", async () => {
    const res = await fetch(`${service.url}/fleet`);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
    // and the page works under it: nothing it does was refused
    expect(violations).toEqual([]);
  });

  it("a viewer's page offers no clear button and says it is read-only", async () => {
    await poll(() => page.locator('#alarms li[data-kind="door_forced"][data-bank="north-07"]').count()).toBe(1);
    expect(await page.textContent("#token-button")).toContain("wall-screen (viewer, read-only)");
    expect(await page.locator("button.clear").count()).toBe(0);
  });
});

describe("an operator's fleet page", () => {
  let op: Page;
  const openAlarm = async (lockerId: string) => {
    const { alarms } = (await (await fetch(`${service.url}/fleet/alarms?bankId=north-07`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { alarms: { id: number; kind: string; lockerId: string | null }[] };
    return alarms.find((a) => a.kind === "door_forced" && a.lockerId === lockerId)?.id ?? null;
  };

  beforeAll(async () => {
    op = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await op.addInitScript(`localStorage.setItem("lockerd-central-token", ${JSON.stringify(nightShiftToken)})`);
    await op.goto(`${service.url}/fleet`);
  });

  it("shows the API's 409 when someone else cleared the alarm first, and the alarm leaves the list", async () => {
    await poll(() => op.textContent("#token-button")).toContain("night-shift (operator)");
    await bankApi("north-07", "POST", "/sim/doors/B02", { action: "force" });
    const id = await vi.waitFor(
      async () => {
        const found = await openAlarm("B02");
        if (found === null) throw new Error("no door_forced alarm for B02 yet");
        return found;
      },
      { timeout: 20_000, interval: 100 },
    );
    const item = `#alarms li[data-alarm-id="${id}"]`;
    await poll(() => op.locator(`${item} button.clear`).count()).toBe(1);
    // offline has no id: nothing to clear
    expect(await op.locator('#alarms li[data-kind="offline"] button.clear').count()).toBe(0);
    await op.click(`${item} button.clear`);
    expect(await op.isVisible("#clear-dialog")).toBe(true);
    expect(await op.textContent("#clear-what")).toContain(`door forced at bank north-07, locker B02 (alarm ${id}`);

    const first = await fetch(`${service.url}/fleet/alarms/${id}/clear`, {
      method: "POST",
      headers: { Authorization: `Bearer ${operatorToken}`, "content-type": "application/json" },
      body: JSON.stringify({ note: "seen on the camera" }),
    });
    expect(first.status).toBe(200);
    await op.fill("#clear-note", "going to look");
    await op.click("#clear-submit");
    await poll(() => op.isVisible("#clear-error")).toBe(true);
    const shown = (await op.textContent("#clear-error")) ?? "";
    expect(shown).toMatch(new RegExp(`^409 INVALID_STATE: alarm ${id} was already cleared at .* by ops-desk$`));
    expect(await op.isVisible("#clear-dialog")).toBe(true);
    await op.screenshot({ path: join(ARTIFACTS, "fleet-page-clear-409.png"), fullPage: true });
    await op.click("#clear-cancel");
    expect(await op.isVisible("#clear-dialog")).toBe(false);
    await poll(() => op.locator(item).count()).toBe(0);
  });

  it("clears an alarm with a note: it leaves the open alarms, and the clearing shows who, when and why", async () => {
    const id = await openAlarm("A03");
    expect(id).toEqual(expect.any(Number));
    const item = `#alarms li[data-alarm-id="${id}"]`;
    await poll(() => op.locator(`${item} button.clear`).count()).toBe(1);
    await op.click(`${item} button.clear`);
    // the note is required
    await op.click("#clear-submit");
    await poll(() => op.textContent("#clear-error")).toBe("A note is required: what was seen or done.");
    await op.fill("#clear-note", "door A03 checked on site,\nlock replaced");
    const before = Date.now();
    await op.click("#clear-submit");
    await poll(() => op.isVisible("#clear-dialog")).toBe(false);
    await poll(() => op.locator(item).count()).toBe(0);
    expect(await op.textContent("#clear-status")).toContain(`alarm ${id}`);
    expect(await op.textContent("#clear-status")).toContain("by night-shift");

    const logged = `#clearings li[data-alarm-id="${id}"]`;
    await poll(() => op.locator(logged).count()).toBe(1);
    expect(await op.textContent(`${logged} .by`)).toBe("by night-shift");
    expect(await op.textContent(`${logged} .note`)).toBe("door A03 checked on site, lock replaced");
    expect(await op.textContent(`${logged} .k`)).toBe("door forced");
    const one = (await (await fetch(`${service.url}/fleet/alarms/${id}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { clearedBy: string; clearedAt: string; clearNote: string };
    expect(one).toMatchObject({ clearedBy: "night-shift", clearNote: "door A03 checked on site, lock replaced" });
    expect(Date.parse(one.clearedAt)).toBeGreaterThanOrEqual(before - 5000);
    await op.screenshot({ path: join(ARTIFACTS, "fleet-page-cleared.png"), fullPage: true });

    // the viewer's page, unreloaded, sees the same
    await poll(() => page.locator(`#alarms li[data-alarm-id="${id}"]`).count()).toBe(0);
    await poll(() => page.locator(`#clearings li[data-alarm-id="${id}"] .by`).textContent()).toBe("by night-shift");
    expect(await page.evaluate("window.stillTheSamePage")).toBe(true);
  });
});
