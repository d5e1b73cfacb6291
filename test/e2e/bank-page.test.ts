/**
 * The bank page in a real headless Chromium: a courier drop-off and a customer pickup played
 * entirely by clicking, checked on screen and through the API. Screenshots land in
 * test-artifacts/ for a person to look at.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { badgeSha256, hashPin } from "../../src/kiosk/couriers.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { createLogger } from "../../src/system/logger.js";

// The page answers through the daemon, which shares the machine with the rest of the suite:
// wait as long as a slow run needs (vitest's default is one second).
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 50 });

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const PIN = "24681357";
const BADGE = "COURIER-BADGE-page-test-0123456789";
const ARTIFACTS = join(process.cwd(), "test-artifacts");

let dir: string;
let daemon: Daemon;
let browser: Browser;
let page: Page;
const notFound: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lockerd-page-"));
  const cfgPath = join(dir, "config.json");
  // No simulated person: the visitor opens and closes doors by clicking.
  const couriers = [{ id: "alice", name: "Alice", badgeSha256: badgeSha256(BADGE), pinHash: await hashPin(PIN) }];
  writeFileSync(cfgPath, JSON.stringify({ dataDir: dir, http: { port: 0 }, hardware: { sim: { person: { enabled: false } } }, couriers, log: { level: "warn" } }));
  daemon = await startDaemon(loadConfig({ path: cfgPath, env: {} }), createLogger({ level: "warn", pretty: false }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("response", (r) => {
    if (r.status() === 404) notFound.push(r.url());
  });
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function lockerFromApi(id: string) {
  const res = await fetch(`${daemon.url}/lockers/status`);
  const body = (await res.json()) as { lockers: { id: string; status: string; door: string }[] };
  return body.lockers.find((l) => l.id === id)!;
}

async function eventsFromApi(type: string): Promise<{ type: string; lockerId: string | null; data: Record<string, unknown> }[]> {
  const res = await fetch(`${daemon.url}/events?type=${encodeURIComponent(type)}&limit=1000`);
  return ((await res.json()) as { events: { type: string; lockerId: string | null; data: Record<string, unknown> }[] }).events;
}

/** Every row of the counts table: lockers = offered + not offered + reserved + occupied + out of service; all = 24. */
async function expectCountsAddUp() {
  const rows = await page.$$eval("#counts tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
  expect(rows.length).toBeGreaterThan(1);
  for (const [, ...cells] of rows) {
    const [total, ...parts] = cells.map(Number);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
  }
  expect(Number(rows[rows.length - 1]![1])).toBe(24);
}

/** A person at the bank pulls the selected door open, then pushes it shut (the door panel). */
async function openAndClose(lockerId: string) {
  await page.click(`#door-${lockerId}`);
  await page.click("#door-open");
  await poll(() => page.getAttribute(`#door-${lockerId}`, "data-door")).toBe("open");
  await page.click("#door-close");
}

describe("the bank page", () => {
  it("draws every locker of the layout with its status", async () => {
    await page.goto(daemon.url!);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.locator(".door").count()).toBe(24);
    await poll(() => page.getAttribute("#door-A01", "data-status")).toBe("AVAILABLE");
    expect(await page.textContent("#mode")).toContain("simulated");
  });

  it("plays a courier drop-off and a customer pickup by clicking", async () => {
    await page.selectOption("#api-size", "S");
    await page.fill("#api-ref", "PKG-1001");
    await page.click("#api-assign");
    const code = (await page.locator("#last-code").textContent({ timeout: 5000 }))!.trim();
    expect(code).toMatch(/^\d{11}$/);
    const text = await page.textContent("#api-result");
    const lockerId = /Locker (\w+)/.exec(text!)![1]!;
    expect(lockerId).toBe("A01");
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("RESERVED");
    expect((await lockerFromApi(lockerId)).status).toBe("RESERVED");

    // The courier opens the door, puts the parcel in, closes it.
    await openAndClose(lockerId);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("OCCUPIED");
    expect((await lockerFromApi(lockerId)).status).toBe("OCCUPIED");
    await page.screenshot({ path: join(ARTIFACTS, "bank-page-occupied.png"), fullPage: true });

    // A wrong code first: rejected, nothing opens.
    for (const k of "00000000#") await page.click(`#keypad button[data-key="${k}"]`);
    await poll(() => page.textContent("#keypad-result")).toContain("Not accepted");
    expect((await lockerFromApi(lockerId)).door).toBe("closed");

    // The customer types the code on the keypad.
    for (const k of code + "#") await page.click(`#keypad button[data-key="${k}"]`);
    await poll(() => page.textContent("#keypad-result")).toContain("Door opening");
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-door")).toBe("unlocking");
    await openAndClose(lockerId);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("AVAILABLE");
    expect((await lockerFromApi(lockerId)).status).toBe("AVAILABLE");

    await poll(async () => page.locator('#events li[data-type="parcel.picked_up"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "bank-page-after-pickup.png"), fullPage: true });
  });

  it("opens a door for the QR token shown to the scanner", async () => {
    await page.selectOption("#api-size", "M");
    // the previous test's parcel left its (spent) token on the page: wait for this one's
    const before = (await page.locator("#last-token").count()) > 0 ? await page.textContent("#last-token") : null;
    await page.click("#api-assign");
    await poll(async () => ((await page.locator("#last-token").count()) > 0 ? await page.textContent("#last-token") : null)).not.toBe(before);
    const token = (await page.textContent("#last-token"))!.trim();
    const lockerId = /Locker (\w+)/.exec((await page.textContent("#api-result"))!)![1]!;
    await openAndClose(lockerId);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("OCCUPIED");

    await page.fill("#scanner-input", "not-a-token");
    await page.click("#scanner-form button");
    await poll(() => page.textContent("#scanner-result")).toMatch(/Not accepted|could not read/);
    await page.fill("#scanner-input", token);
    await page.click("#scanner-form button");
    await poll(() => page.textContent("#scanner-result")).toContain("Door opening");
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-door")).toBe("unlocking");
    await openAndClose(lockerId);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("AVAILABLE");
    await page.screenshot({ path: join(ARTIFACTS, "bank-page-qr-pickup.png"), fullPage: true });
  });

  it("shows the hardware going offline and back", async () => {
    await page.click("#board-toggle");
    await poll(() => page.textContent("#board-toggle")).toContain("Plug board back in");
    await poll(() => page.getAttribute("#door-A01", "data-fault")).toBe("true");
    expect(await page.textContent("#door-A01 .status")).toBe("offline");
    const status = (await (await fetch(`${daemon.url}/lockers/status`)).json()) as { available: Record<string, number> };
    expect(status.available).toEqual({ S: 0, M: 0, L: 0 });
    // a banner says so, and the counts still add up: every free locker is "free, not offered"
    await poll(() => page.isVisible("#banner")).toBe(true);
    expect(await page.textContent("#banner")).toMatch(/24 of 24 lockers offline/);
    await expectCountsAddUp();
    expect(await page.textContent("#not-offered")).toMatch(/hardware offline/);
    // the event list marks it with the catalogue's level and label (GET /events/types)
    const offlineEvent = '#events li[data-type="hardware.offline"]';
    await poll(() => page.getAttribute(offlineEvent, "data-level")).toBe("fault");
    expect(await page.getAttribute(offlineEvent, "title")).toBe("lock hardware offline");
    // "fault" and "offline" are never drawn green
    expect(await page.evaluate('getComputedStyle(document.querySelector("#door-A01 .status")).color')).toBe("rgb(198, 40, 40)");
    await page.screenshot({ path: join(ARTIFACTS, "bank-page-board-unplugged.png"), fullPage: true });
    await page.click("#board-toggle");
    await poll(() => page.textContent("#board-toggle")).toContain("Unplug board");
    await poll(() => page.isVisible("#banner")).toBe(false);
  });

  it("selecting a door moves nothing and raises no alarm", async () => {
    const forcedBefore = (await eventsFromApi("alarm.door_forced")).length;
    const openedBefore = (await eventsFromApi("door.opened")).length;
    await page.click("#door-B02");
    await poll(() => page.getAttribute("#door-B02", "aria-selected")).toBe("true");
    expect(await page.textContent("#selected-locker")).toBe("B02");
    await new Promise((r) => setTimeout(r, 1500));
    expect((await lockerFromApi("B02")).door).toBe("closed");
    expect((await eventsFromApi("alarm.door_forced")).length).toBe(forcedBefore);
    expect((await eventsFromApi("door.opened")).length).toBe(openedBefore);
    // pulling a door that is not unlocked is a forced door, and the button says so
    expect(await page.textContent("#door-open")).toBe("Force door open");
  });

  it("fits a phone held in front of the bank", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(daemon.url!);
    await phone.waitForSelector("body[data-ready=true]");
    const width = (await phone.evaluate("document.documentElement.scrollWidth")) as number;
    expect(width).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(ARTIFACTS, "bank-page-phone.png"), fullPage: true });
    await phone.close();
  });
});

describe("the page's keypad and scanner are the bank's", () => {
  const blur = () => page.evaluate("document.activeElement && document.activeElement.blur()");
  const press = async (keys: string) => {
    for (const k of keys) await page.click(`#keypad button[data-key="${k}"]`);
  };

  it("a courier signs in with #, PIN, # on the page's keypad; the PIN is no customer code", async () => {
    const failures = async () =>
      ((await (await fetch(`${daemon.url}/lockouts`)).json()) as { lockouts: { source: string; failures: number }[] }).lockouts.filter((x) => x.source.startsWith("keypad:")).reduce((n, x) => n + x.failures, 0);
    const rejectedBefore = (await eventsFromApi("pickup.rejected")).length;
    const failuresBefore = await failures();
    await press(`#${PIN}#`);
    await poll(() => page.textContent("#courier-state")).toContain("alice");
    const started = await eventsFromApi("courier.session_started");
    expect(started.at(-1)!.data).toMatchObject({ courierId: "alice", via: "pin" });
    expect((await eventsFromApi("pickup.rejected")).length).toBe(rejectedBefore);
    expect(await failures()).toBe(failuresBefore);
  });

  it("the signed-in courier scans a parcel, says * (doesn't fit), and the next size opens", async () => {
    await page.click('[data-courier-key="1"]'); // size S
    await poll(() => page.textContent("#keypad-result")).toBe("OK");
    await page.fill("#parcel-input", "PKG-2001");
    await page.click("#parcel-scan");
    await poll(() => page.textContent("#courier-result")).toBe("Door opening");
    const first = (await eventsFromApi("parcel.assigned")).filter((e) => e.data.trackingRef === "PKG-2001");
    expect(first).toHaveLength(1);
    const small = first[0]!.lockerId!;
    await page.click(`#door-${small}`);
    await page.click("#door-open");
    await poll(() => page.getAttribute(`#door-${small}`, "data-door")).toBe("open");
    await page.click('[data-courier-key="*"]');
    await poll(async () => (await eventsFromApi("parcel.assigned")).filter((e) => e.data.trackingRef === "PKG-2001").length).toBe(2);
    const bigger = (await eventsFromApi("parcel.assigned")).filter((e) => e.data.trackingRef === "PKG-2001")[1]!.lockerId!;
    expect(bigger).not.toBe(small);
    await page.click(`#door-${small}`);
    await page.click("#door-close");
    await openAndClose(bigger);
    await poll(() => page.getAttribute(`#door-${bigger}`, "data-status")).toBe("OCCUPIED");
    await page.screenshot({ path: join(ARTIFACTS, "bank-page-courier.png"), fullPage: true });
    await page.click('[data-courier-key="#"]');
    await poll(() => page.textContent("#courier-state")).toBe("signed out");
  });

  it("a courier's badge signs in and out through the courier panel", async () => {
    await page.fill("#badge-input", BADGE);
    await page.click("#badge-scan");
    await poll(() => page.textContent("#courier-state")).toContain("alice");
    await page.fill("#badge-input", BADGE);
    await page.click("#badge-scan");
    await poll(() => page.textContent("#courier-state")).toBe("signed out");
  });

  it("typing on the computer's keyboard works like the keypad (Enter = #)", async () => {
    await blur();
    await page.keyboard.type("11111111");
    await page.keyboard.press("Enter");
    await poll(() => page.textContent("#keypad-result")).toBe("Not accepted");
    await blur();
    await page.keyboard.type(`#${PIN}`);
    await page.keyboard.press("Enter");
    await poll(() => page.textContent("#courier-state")).toContain("alice");
    await page.keyboard.press("#");
    await poll(() => page.textContent("#courier-state")).toBe("signed out");
  });
});

describe("a page a technician keeps open", () => {
  it("counts every locker once, with a legend", async () => {
    await expectCountsAddUp();
    expect(await page.locator("#legend li").count()).toBeGreaterThanOrEqual(7);
  });

  it("draws an open door inside its own cell, not over its neighbour's label", async () => {
    await page.click("#door-C01");
    await page.click("#door-open");
    await poll(() => page.getAttribute("#door-C01", "data-door")).toBe("open");
    const door = (await page.locator("#door-C01").boundingBox())!;
    const below = (await page.locator("#door-C02 .id").boundingBox())!;
    const column = (await page.locator("#door-C02").boundingBox())!;
    expect(door.y + door.height).toBeLessThanOrEqual(below.y);
    expect(door.x).toBeGreaterThanOrEqual(column.x - 1);
    expect(door.x + door.width).toBeLessThanOrEqual(column.x + column.width + 1);
    await expectCountsAddUp();
    expect(await page.textContent("#not-offered")).toMatch(/door open/);
    await page.screenshot({ path: join(ARTIFACTS, "bank-page-door-open.png"), fullPage: true });
    await page.click("#door-close");
    await poll(() => page.getAttribute("#door-C01", "data-door")).toBe("closed");
  });

  it("shows 24-hour times in the bank's zone, and its icon (no 404)", async () => {
    const { timeZone } = (await (await fetch(`${daemon.url}/bank`)).json()) as { timeZone: string };
    expect(await page.textContent("#clock")).toContain(timeZone);
    const times = await page.$$eval("#events time", (ts) => ts.map((t) => t.textContent ?? ""));
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) expect(t).toMatch(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/);
    expect(await page.getAttribute('link[rel="icon"]', "href")).toBe("/favicon.svg");
    expect((await fetch(`${daemon.url}/favicon.svg`)).status).toBe(200);
    expect(notFound).toEqual([]);
  });
});
