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
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { createLogger } from "../../src/system/logger.js";

// The page answers through the daemon, which shares the machine with the rest of the suite:
// wait as long as a slow run needs (vitest's default is one second).
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 50 });

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(process.cwd(), "test-artifacts");

let dir: string;
let daemon: Daemon;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lockerd-page-"));
  const cfgPath = join(dir, "config.json");
  // No simulated person: the visitor opens and closes doors by clicking.
  writeFileSync(cfgPath, JSON.stringify({ dataDir: dir, http: { port: 0 }, hardware: { sim: { person: { enabled: false } } }, log: { level: "warn" } }));
  daemon = await startDaemon(loadConfig({ path: cfgPath, env: {} }), createLogger({ level: "warn", pretty: false }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
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

describe("the bank page", () => {
  it("draws every locker of the layout with its status", async () => {
    await page.goto(daemon.url!);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.locator(".door").count()).toBe(24);
    await poll(() => page.getAttribute("#door-A01", "data-status")).toBe("AVAILABLE");
    expect(await page.textContent("#mode")).toContain("simulated");
  });

  it("plays a courier drop-off and a customer pickup by clicking", async () => {
    await page.selectOption("#courier-size", "S");
    await page.fill("#courier-ref", "PKG-1001");
    await page.click("#courier-scan");
    const code = (await page.locator("#last-code").textContent({ timeout: 5000 }))!.trim();
    expect(code).toMatch(/^\d{11}$/);
    const text = await page.textContent("#courier-result");
    const lockerId = /Locker (\w+)/.exec(text!)![1]!;
    expect(lockerId).toBe("A01");
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("RESERVED");
    expect((await lockerFromApi(lockerId)).status).toBe("RESERVED");

    // The courier opens the door, puts the parcel in, closes it.
    await page.click(`#door-${lockerId}`);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-door")).toBe("open");
    await page.click(`#door-${lockerId}`);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("OCCUPIED");
    expect((await lockerFromApi(lockerId)).status).toBe("OCCUPIED");
    await page.screenshot({ path: join(ARTIFACTS, "bank-page-occupied.png"), fullPage: true });

    // A wrong code first: rejected, nothing opens.
    for (const k of "00000000#") await page.click(`#keypad button[data-key="${k}"]`);
    await poll(() => page.textContent("#keypad-result")).toContain("not accepted");
    expect((await lockerFromApi(lockerId)).door).toBe("closed");

    // The customer types the code on the keypad.
    for (const k of code + "#") await page.click(`#keypad button[data-key="${k}"]`);
    await poll(() => page.textContent("#keypad-result")).toContain("Your door is opening");
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-door")).toBe("unlocking");
    await page.click(`#door-${lockerId}`);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-door")).toBe("open");
    await page.click(`#door-${lockerId}`);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("AVAILABLE");
    expect((await lockerFromApi(lockerId)).status).toBe("AVAILABLE");

    await poll(async () => page.locator('#events li[data-type="parcel.picked_up"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "bank-page-after-pickup.png"), fullPage: true });
  });

  it("opens a door for the QR token shown to the scanner", async () => {
    await page.selectOption("#courier-size", "M");
    // the previous test's parcel left its (spent) token on the page: wait for this one's
    const before = (await page.locator("#last-token").count()) > 0 ? await page.textContent("#last-token") : null;
    await page.click("#courier-scan");
    await poll(async () => ((await page.locator("#last-token").count()) > 0 ? await page.textContent("#last-token") : null)).not.toBe(before);
    const token = (await page.textContent("#last-token"))!.trim();
    const lockerId = /Locker (\w+)/.exec((await page.textContent("#courier-result"))!)![1]!;
    await page.click(`#door-${lockerId}`);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-door")).toBe("open");
    await page.click(`#door-${lockerId}`);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("OCCUPIED");

    await page.fill("#scanner-input", "not-a-token");
    await page.click("#scanner-form button");
    await poll(() => page.textContent("#scanner-result")).toMatch(/not accepted|could not read/);
    await page.fill("#scanner-input", token);
    await page.click("#scanner-form button");
    await poll(() => page.textContent("#scanner-result")).toContain("Your door is opening");
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-door")).toBe("unlocking");
    await page.click(`#door-${lockerId}`);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-door")).toBe("open");
    await page.click(`#door-${lockerId}`);
    await poll(() => page.getAttribute(`#door-${lockerId}`, "data-status")).toBe("AVAILABLE");
    await page.screenshot({ path: join(ARTIFACTS, "bank-page-qr-pickup.png"), fullPage: true });
  });

  it("shows the hardware going offline and back", async () => {
    await page.click("#board-toggle");
    await poll(() => page.textContent("#board-toggle")).toContain("Plug board back in");
    await poll(() => page.getAttribute("#door-A01", "data-fault")).toBe("true");
    expect(await page.textContent("#door-A01 .status")).toBe("fault");
    const status = (await (await fetch(`${daemon.url}/lockers/status`)).json()) as { available: Record<string, number> };
    expect(status.available).toEqual({ S: 0, M: 0, L: 0 });
    await page.click("#board-toggle");
    await poll(() => page.textContent("#board-toggle")).toContain("Unplug board");
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
