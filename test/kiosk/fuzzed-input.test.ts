import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { FakeHid } from "../support/fake-hid.js";
import type { Clock } from "../../src/basics/ports.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { waitFor } from "../support/wait-for.js";
import { openPtyPair, type PtyPair } from "../support/pty-pair.js";

let t: DaemonTestBank<Clock> | null = null;
let pair: PtyPair | null = null;
let dir: string | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
  await pair?.close();
  pair = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** Seeded PRNG (mulberry32): a failure names its seed and can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);

/** Random reports: mostly 8 bytes with usages around the digits and Enter, some of any length. */
function randomReport(r: () => number): Buffer {
  const len = r() < 0.85 ? 8 : Math.floor(r() * 70);
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) {
    const roll = r();
    b[i] = i >= 2 && roll < 0.6 ? 0x1e + Math.floor(r() * 0x45) : i >= 2 && roll < 0.8 ? 0 : Math.floor(r() * 256);
  }
  return b;
}

describe("fuzzed input streams", () => {
  it("random HID reports into the keypad and both kinds of HID scanner: no crash, no door", async () => {
    for (const protocol of ["keyboard", "pos"] as const) {
      const hid = new FakeHid();
      const kp = hid.add({ path: "kp", vendorId: 1, productId: 1, usagePage: 1 });
      const sc = hid.add({ path: "sc", vendorId: 2, productId: 2, usagePage: protocol === "pos" ? 0x8c : 1 });
      const indicator = new SimIndicator();
      t = await createTestBank({ daemon: { config: { input: { keypad: { type: "hid", path: "kp" }, scanner: { type: "hid", path: "sc", hidProtocol: protocol } } }, input: { hid, indicator }, http: true }, clock: "system" });
      await t.depositParcel("S");
      await t.depositParcel("M");
      const base = t.pulses().length;
      const r = rng(SEED + (protocol === "pos" ? 1 : 0));
      const reports = 20_000;
      for (let i = 0; i < reports; i++) {
        const rep = randomReport(r);
        if (protocol === "pos" && r() < 0.5) rep[0] = 2; // make POS reports look plausible half the time
        (i % 2 ? kp : sc).send(rep);
        if (i % 500 === 0) await t.daemon.kiosk.settled();
      }
      await t.daemon.kiosk.settled();
      console.info(`fuzz (${protocol} scanner, seed ${SEED}): ${reports} random reports, ${indicator.patterns().length} indicator patterns, 0 doors expected`);
      expect(t.pulses().length).toBe(base);
      expect(indicator.patterns().length).toBeGreaterThan(0); // the input did reach the kiosk
      expect((await fetch(`${t.daemon.url}/healthz`)).status).toBe(200);
      await t.dispose();
      t = null;
    }
  });

  it("random bytes on a serial scanner line (a real pty): no crash, no door, and a real scan still works", async () => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-fuzz-"));
    pair = await openPtyPair(dir);
    const indicator = new SimIndicator();
    t = await createTestBank({ daemon: { config: { input: { scanner: { type: "serial", path: pair.device, suffix: "CR", maxLength: 64 } } }, input: { keypad: null, indicator }, http: true }, clock: "system" });
    const a = await t.depositParcel("S");
    const base = t.pulses().length;
    const peer = new SerialPort({ path: pair.peer, baudRate: 9600, autoOpen: false });
    await new Promise<void>((res, rej) => peer.open((e) => (e ? rej(e) : res())));
    const write = (b: Buffer | string) => new Promise<void>((res, rej) => peer.write(b, (e) => (e ? rej(e) : peer.drain(() => res()))));
    const r = rng(SEED + 2);
    let bytes = 0;
    for (let i = 0; i < 200; i++) {
      const chunk = Buffer.alloc(1 + Math.floor(r() * 256));
      for (let j = 0; j < chunk.length; j++) chunk[j] = r() < 0.05 ? 0x0d : r() < 0.5 ? 0x41 + Math.floor(r() * 26) : Math.floor(r() * 256);
      bytes += chunk.length;
      await write(chunk);
    }
    await write("\r");
    await new Promise((res) => setTimeout(res, 200));
    await t.daemon.kiosk.settled();
    console.info(`fuzz (serial scanner, seed ${SEED}): ${bytes} random bytes, ${indicator.patterns().length} scans reached the kiosk, 0 doors expected`);
    expect(t.pulses().length).toBe(base);
    await write(a.pickupToken + "\r");
    await waitFor("one more pulse", () => t!.pulses().length === base + 1, 5000);
    expect(t.pulses().at(-1)).toBe(a.lockerId);
    await new Promise((res) => peer.close(res));
  });
});
