/**
 * A GPIO output keeps its level when the process that set it dies. The real daemon runs as its
 * own process on a bank whose sysfs GPIO pins are files (test/support/file-gpio.ts), with a
 * 5-second unlock pulse: killed with SIGKILL mid-pulse it leaves the lock coil energised until
 * the outputs-off command (what systemd runs as ExecStopPost) switches it off; stopped with
 * SIGTERM it switches it off itself. A live daemon ends the pulse on its own (the control).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { hashToken } from "../../src/api/auth.js";
import { loadLayout } from "../../src/config/layout.js";
import { relayLevels } from "../../src/drivers/gpio/gpio-lock-bank.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { fakeSysfs } from "../support/fake-gpio.js";
import { readLevel } from "../support/file-gpio.js";

const run = promisify(execFile);
const LAYOUT = join(PACKAGE_ROOT, "hardware", "layouts", "gpio-6.json");
const DAEMON = join(PACKAGE_ROOT, "test", "support", "gpio-daemon.ts");
const OUTPUTS_OFF = join(PACKAGE_ROOT, "test", "support", "gpio-outputs-off.ts");
const PULSE_MS = 5000;
const BASE = 512; // a Bookworm kernel's chip base: BCM 17 is sysfs 529
const TOKEN = "courier-token-for-the-kill-test";
/** BCM relay pins of the layout, by locker. */
const RELAYS = new Map(loadLayout(LAYOUT, ["S", "M", "L"]).lockers.map((l) => [l.id, l.lock.relay!]));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

interface Bank {
  sysfsRoot: string;
  config: string;
  /** The level on a locker's relay line now. */
  relay(lockerId: string): number | null;
  on: number;
  off: number;
}

function bank(relayActiveLow: boolean): Bank {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-kill-"));
  const sysfs = fakeSysfs([
    { name: "gpiochip570", label: "raspberrypi-exp-gpio", base: 570, ngpio: 8 },
    { name: "gpiochip512", label: "pinctrl-bcm2711", base: BASE, ngpio: 58 },
  ]);
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true });
    sysfs.remove();
  });
  const config = join(dir, "lockerd.json");
  writeFileSync(
    config,
    JSON.stringify({
      dataDir: join(dir, "data"),
      bank: { layout: LAYOUT },
      hardware: { driver: "gpio", gpio: { sysfsRoot: sysfs.root, relayActiveLow } },
      doors: { pulseMs: PULSE_MS },
      http: { host: "127.0.0.1", port: 0 },
      api: { tokens: [{ name: "courier", role: "courier", sha256: hashToken(TOKEN) }] },
      log: { level: "warn" },
    }),
  );
  const { on, off } = relayLevels(relayActiveLow);
  return { sysfsRoot: sysfs.root, config, relay: (id) => readLevel(sysfs.root, BASE + RELAYS.get(id)!), on, off };
}

interface Running {
  url: string;
  proc: ChildProcess;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  stderr(): string;
}

async function startDaemon(b: Bank): Promise<Running> {
  const env = { ...process.env };
  delete env.NOTIFY_SOCKET;
  delete env.LOCKERD_API_TOKEN;
  const proc = spawn(process.execPath, ["--import", "tsx", DAEMON, b.config], { cwd: PACKAGE_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const exited = once(proc, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await exited;
  });
  let stderr = "";
  proc.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /^listening (http:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then(([code, sig]) => reject(new Error(`the daemon exited before listening (${code ?? sig})\n${stderr}`)));
  });
  return { url, proc, exited, stderr: () => stderr };
}

/** A courier assigns a parcel: the bank pulses the assigned locker's relay. */
async function assign(d: Running, size: string): Promise<string> {
  const res = await fetch(`${d.url}/lockers/assign`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ size, parcel: `KILL-${size}` }),
  });
  const body = (await res.json()) as { lockerId?: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.lockerId!;
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const allRelays = (b: Bank) => [...RELAYS.keys()].map((id) => [id, b.relay(id)]);
const every = (b: Bank, level: number) => [...RELAYS.keys()].map((id) => [id, level]);

describe("a GPIO bank's outputs when the daemon dies mid-pulse", () => {
  it("SIGKILL leaves the coil energised past the pulse, until the outputs-off command switches every relay off", async () => {
    const b = bank(true); // the default: active-low relay boards, on = 0
    const d = await startDaemon(b);
    expect(allRelays(b)).toEqual(every(b, b.off)); // exported at the off level

    const locker = await assign(d, "S");
    await until(`relay of ${locker} at its active level`, () => b.relay(locker) === b.on);
    d.proc.kill("SIGKILL");
    expect(await d.exited).toEqual([null, "SIGKILL"]);

    // Longer than the pulse: nothing is left to end it.
    await sleep(PULSE_MS + 500);
    expect(b.relay(locker)).toBe(b.on);

    const { stdout } = await run(process.execPath, ["--import", "tsx", OUTPUTS_OFF, b.config], { cwd: PACKAGE_ROOT }); // rejects unless it exits 0
    expect(stdout).toBe(`lockerd-outputs-off: switched 6 relays off (level ${b.off}) on gpiochip512 "pinctrl-bcm2711", base ${BASE}\n`);
    expect(allRelays(b)).toEqual(every(b, b.off));
    // It left the relay pins exported as outputs, and touched no door input.
    for (const pin of RELAYS.values()) expect(readFileSync(join(b.sysfsRoot, `gpio${BASE + pin}`, "direction"), "utf8")).toBe("out\n");
    expect(readFileSync(join(b.sysfsRoot, `gpio${BASE + 5}`, "direction"), "utf8")).toBe("in\n");
  }, 40_000);

  it("a live daemon ends the pulse itself, and SIGTERM mid-pulse switches the relay off (active-high relays)", async () => {
    const b = bank(false); // active-high: on = 1
    const d = await startDaemon(b);
    expect(allRelays(b)).toEqual(every(b, b.off));

    // The control: left alone, the daemon switches the coil off when the pulse is over.
    const first = await assign(d, "M");
    await until(`relay of ${first} at its active level`, () => b.relay(first) === b.on);
    await until(`relay of ${first} back off after the pulse`, () => b.relay(first) === b.off);

    const second = await assign(d, "L");
    await until(`relay of ${second} at its active level`, () => b.relay(second) === b.on);
    d.proc.kill("SIGTERM");
    expect(await d.exited, d.stderr()).toEqual([0, null]);
    expect(b.relay(second)).toBe(b.off);
    expect(allRelays(b)).toEqual(every(b, b.off));
  }, 40_000);
});
