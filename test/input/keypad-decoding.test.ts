import { describe, expect, it } from "vitest";
import { BootKeyboardDecoder } from "../../src/input/boot-keyboard.js";
import type { KeypadKey } from "../../src/input/devices.js";
import { HidKeypad } from "../../src/input/hid-keypad.js";
import { Keymap } from "../../src/input/keymap.js";
import { FakeHid, report } from "../support/fake-hid.js";
import { testLogger } from "../support/log.js";

const SHIFT = 0x02;

function decodeAll(reports: number[][], keymap = new Keymap()): (KeypadKey | undefined)[] {
  const d = new BootKeyboardDecoder();
  const out: (KeypadKey | undefined)[] = [];
  for (const r of reports) {
    const res = d.feed(Uint8Array.from(r));
    if (!res.ok) throw new Error(res.reason);
    for (const p of res.presses) out.push(keymap.resolve(p));
  }
  return out;
}

describe("boot-keyboard reports from a keypad", () => {
  it("a press is a usage appearing; a held key repeats nothing; release and all-zero emit nothing", () => {
    // KP1 down, held (same report again), released; then KP2 down, all-zero.
    expect(decodeAll([report(0, 0x59), report(0, 0x59), report(0, 0x59), report(0), report(0, 0x5a), report(0)])).toEqual(["1", "2"]);
  });

  it("several keys in one report are each a press, in report order", () => {
    expect(decodeAll([report(0, 0x1e, 0x1f, 0x20), report(0)])).toEqual(["1", "2", "3"]);
  });

  it("rolling presses: a new key while another is held, then releases in either order", () => {
    // 4 down, 4+5 down, 5 only (4 released first), 5+6, all up.
    expect(decodeAll([report(0, 0x21), report(0, 0x21, 0x22), report(0, 0x22), report(0, 0x22, 0x23), report(0)])).toEqual(["4", "5", "6"]);
    // Same keys released in the other order: 4 held while 5 goes up.
    expect(decodeAll([report(0, 0x21), report(0, 0x21, 0x22), report(0, 0x21), report(0)])).toEqual(["4", "5"]);
  });

  it("the same key pressed twice needs a release in between", () => {
    expect(decodeAll([report(0, 0x27), report(0), report(0, 0x27), report(0, 0x27), report(0)])).toEqual(["0", "0"]);
  });

  it("maps Enter, KP Enter, KP #, Shift+3 to #, and KP * and Shift+8 to *", () => {
    expect(decodeAll([report(0, 0x28), report(0), report(0, 0x58), report(0), report(0, 0xcc), report(0), report(SHIFT, 0x20), report(0)])).toEqual(["#", "#", "#", "#"]);
    expect(decodeAll([report(0, 0x55), report(0), report(0x20, 0x25), report(0)])).toEqual(["*", "*"]);
    expect(decodeAll([report(0, 0x2a), report(0), report(0, 0x29), report(0)])).toEqual(["backspace", "escape"]);
  });

  it("a shifted top-row digit other than 3 and 8 is no digit; unknown keys map to nothing", () => {
    expect(decodeAll([report(SHIFT, 0x1e), report(0), report(0, 0x04), report(0)])).toEqual([undefined, undefined]);
  });

  it("ErrorRollOver keeps the held keys; a report id in front is accepted; other lengths are refused", () => {
    const d = new BootKeyboardDecoder();
    expect(d.feed(Uint8Array.from(report(0, 0x59)))).toEqual({ ok: true, presses: [{ usage: 0x59, shift: false }] });
    expect(d.feed(Uint8Array.from(report(0, 1, 1, 1, 1, 1, 1)))).toEqual({ ok: true, presses: [] });
    expect(d.feed(Uint8Array.from(report(0, 0x59)))).toEqual({ ok: true, presses: [] });
    expect(d.feed(Uint8Array.from([1, ...report(0, 0x5a)]))).toEqual({ ok: true, presses: [{ usage: 0x5a, shift: false }] });
    expect(d.feed(Uint8Array.from([0, 0, 0]))).toEqual({ ok: false, reason: "report of 3 bytes" });
  });

  it("the key map is per model: overrides replace or remove defaults", () => {
    // A keypad whose # key sends KP "." and whose Escape should do nothing.
    const km = new Keymap({ "0x63": "#", "0x29": "none" });
    expect(decodeAll([report(0, 0x63), report(0), report(0, 0x29), report(0)], km)).toEqual(["#", undefined]);
  });
});

describe("the HID keypad device", () => {
  it("opens by vendor/product id, prefers the keyboard interface, and survives unplug and replug", async () => {
    const hid = new FakeHid();
    hid.add({ path: "p-consumer", vendorId: 0x1234, productId: 0x5678, usagePage: 0x0c });
    const kb = hid.add({ path: "p-kbd", vendorId: 0x1234, productId: 0x5678, usagePage: 0x01 });
    const keys: string[] = [];
    const states: boolean[] = [];
    const pad = new HidKeypad(hid, { match: { vendorId: 0x1234, productId: 0x5678 }, keymap: new Keymap(), retryMinMs: 5, retryMaxMs: 20 }, testLogger());
    await pad.start({ input: (k) => keys.push(k), connected: (c) => states.push(c) });
    expect(kb.open).toBe(true);
    kb.send(report(0, 0x59), report(0));
    // Unplugged while a key is held: the held state must not survive into the next connection.
    kb.send(report(0, 0x5a));
    hid.unplug(kb);
    expect(states).toEqual([true, false]);
    await new Promise((r) => setTimeout(r, 60));
    hid.openFailures = 1; // the first open after replug fails (device still settling)
    hid.plug(kb);
    await vi_waitFor(() => kb.open);
    kb.send(report(0, 0x5a), report(0));
    expect(keys).toEqual(["1", "2", "2"]);
    expect(states).toEqual([true, false, true]);
    await pad.stop();
    expect(kb.open).toBe(false);
  });

  it("a babbling device (bad report lengths) is ignored without a crash", async () => {
    const hid = new FakeHid();
    const kb = hid.add({ path: "p", vendorId: 1, productId: 2 });
    const keys: string[] = [];
    const pad = new HidKeypad(hid, { match: { path: "p" }, keymap: new Keymap() }, testLogger());
    await pad.start({ input: (k) => keys.push(k) });
    for (let i = 0; i < 20; i++) kb.send([1, 2, 3]);
    kb.send(report(0, 0x62), report(0));
    expect(keys).toEqual(["0"]);
    await pad.stop();
  });
});

async function vi_waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
