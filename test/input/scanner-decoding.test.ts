import { describe, expect, it } from "vitest";
import type { Scan } from "../../src/input/devices.js";
import { HidPosDecoder } from "../../src/input/hid-pos.js";
import { HidScanner } from "../../src/input/hid-scanner.js";
import { acceptScan } from "../../src/input/scan-filter.js";
import { ScanFramer } from "../../src/input/scan-framer.js";
import { FakeHid, report } from "../support/fake-hid.js";
import { testLogger } from "../support/log.js";

const rules = { maxLength: 32, allowedSymbologies: [] as string[] };

describe("scan filter", () => {
  it("strips an AIM prefix and reports the symbology", () => {
    expect(acceptScan("]Q1ABC123", rules)).toEqual({ ok: true, scan: { text: "ABC123", symbology: "Q1" } });
    expect(acceptScan("ABC123", rules)).toEqual({ ok: true, scan: { text: "ABC123", symbology: null } });
  });

  it("rejects wrong symbologies when configured, by full id or code letter", () => {
    const onlyQr = { ...rules, allowedSymbologies: ["Q"] };
    expect(acceptScan("]Q3X", onlyQr).ok).toBe(true);
    expect(acceptScan("]C0X", onlyQr)).toEqual({ ok: false, reason: "symbology C0 not allowed" });
    expect(acceptScan("X", onlyQr)).toEqual({ ok: false, reason: "symbology (none sent) not allowed" });
    expect(acceptScan("]C0X", { ...rules, allowedSymbologies: ["C0", "Q1"] }).ok).toBe(true);
  });

  it("accepts only printable, length-bounded codes", () => {
    expect(acceptScan("A\x00B", rules).ok).toBe(false);
    expect(acceptScan("Ä", rules).ok).toBe(false);
    expect(acceptScan("]Q1", rules)).toEqual({ ok: false, reason: "empty" });
    expect(acceptScan("x".repeat(33), rules).ok).toBe(false);
    expect(acceptScan("]Q1" + "x".repeat(32), rules).ok).toBe(true);
  });
});

describe("scan framing", () => {
  const run = (suffix: "CR" | "LF" | "CRLF" | "TAB", chunks: string[], limit = 10) => {
    const frames: string[] = [];
    const overlong: number[] = [];
    const f = new ScanFramer(suffix, limit, { frame: (r) => frames.push(r), overlong: (n) => overlong.push(n) });
    for (const c of chunks) f.push(c);
    return { frames, overlong };
  };

  it("splits at each suffix across chunk boundaries", () => {
    expect(run("CR", ["AB", "C\rDE", "F\r"]).frames).toEqual(["ABC", "DEF"]);
    expect(run("LF", ["AB\r\nCD\n"]).frames).toEqual(["AB", "CD"]);
    expect(run("CRLF", ["AB\r", "\nCD\r\n"]).frames).toEqual(["AB", "CD"]);
    expect(run("TAB", ["AB\tCD\t"]).frames).toEqual(["AB", "CD"]);
  });

  it("tells its sink when a code's first character arrives, once per code, before the code", () => {
    const seen: string[] = [];
    const f = new ScanFramer("CRLF", 10, { frame: (r) => seen.push(`frame ${r}`), overlong: () => undefined, started: () => seen.push("started") });
    for (const c of ["\r\n", "AB", "C\r", "\nD", "E\r\n"]) f.push(c);
    expect(seen).toEqual(["started", "frame ABC", "started", "frame DE"]);
  });

  it("drops an overlong run up to the next suffix and keeps going", () => {
    const r = run("CR", ["0123456789ABCDEF", "GH\rOK\r"]);
    expect(r.frames).toEqual(["OK"]);
    expect(r.overlong).toEqual([18]);
  });
});

describe("HID POS reports", () => {
  const pos = (text: string, aim: string, more: boolean) => {
    const r = Buffer.alloc(64);
    r[0] = 0x02;
    r[1] = text.length;
    if (aim) r.write(aim, 2, "latin1");
    r.write(text, 5, "latin1");
    r[63] = more ? 1 : 0;
    return r;
  };

  it("joins continued reports and keeps the AIM id once", () => {
    const d = new HidPosDecoder(200);
    expect(d.feed(pos("A".repeat(58), "]Q1", true))).toEqual({ done: false });
    expect(d.feed(pos("BC", "]Q1", false))).toEqual({ done: true, raw: "]Q1" + "A".repeat(58) + "BC" });
  });

  it("drops the rest of an overlong code and ignores other report ids", () => {
    const d = new HidPosDecoder(60);
    expect(d.feed(pos("A".repeat(58), "]Q1", true))).toEqual({ done: false, reason: "overlong (61+ characters)" });
    expect(d.feed(pos("TAIL", "]Q1", false))).toEqual({ done: false });
    expect(d.feed(pos("OK", "", false))).toEqual({ done: true, raw: "OK" });
    const other = pos("X", "", false);
    other[0] = 0x04;
    expect(d.feed(other)).toEqual({ done: false, reason: "report id 4" });
  });
});

describe("the HID scanner device", () => {
  it("types keyboard-wedge reports into codes (shift for capitals, Enter ends)", async () => {
    const hid = new FakeHid();
    const dev = hid.add({ path: "s", vendorId: 1, productId: 2, usagePage: 1 });
    const scans: Scan[] = [];
    let arriving = 0;
    const sc = new HidScanner(hid, { match: { path: "s" }, protocol: "keyboard", suffix: "CR", rules }, testLogger());
    await sc.start({ input: (s) => scans.push(s), arriving: () => arriving++ });
    // "]Q1" = ] (0x30), shift+q (0x14), 1 (0x1E); then "Ab9", Enter.
    const keys: [number, number][] = [[0, 0x30], [2, 0x14], [0, 0x1e], [2, 0x04], [0, 0x05], [0, 0x26], [0, 0x28]];
    dev.send(report(...keys[0]!));
    expect(arriving, "the first report announces a scan").toBe(1);
    dev.send(report(0));
    for (const [m, k] of keys.slice(1)) dev.send(report(m, k), report(0));
    expect(scans).toEqual([{ text: "Ab9", symbology: "Q1" }]);
    expect(arriving).toBe(1);
    // A key with no character (F1) poisons the code being typed.
    for (const [m, k] of [[0, 0x04], [0, 0x3a], [0, 0x05], [0, 0x28]] as [number, number][]) dev.send(report(m, k), report(0));
    expect(scans).toHaveLength(1);
    expect(sc.pipeline?.rejected).toBe(1);
    await sc.stop();
  });

  it("reads HID POS scanners on usage page 0x8C", async () => {
    const hid = new FakeHid();
    hid.add({ path: "kbd", vendorId: 5, productId: 6, usagePage: 1 });
    const dev = hid.add({ path: "pos", vendorId: 5, productId: 6, usagePage: 0x8c });
    const seen: string[] = [];
    const sc = new HidScanner(hid, { match: { vendorId: 5, productId: 6 }, protocol: "pos", suffix: "CR", rules }, testLogger());
    await sc.start({ input: (s) => seen.push(`scan ${s.text}`), arriving: () => seen.push("arriving") });
    const r = Buffer.alloc(64);
    r[0] = 2;
    r[1] = 5;
    r.write("]C0PARCL", 2, "latin1");
    r[63] = 1; // continued in the next report
    dev.send(r);
    expect(seen, "the first report of a scan announces it").toEqual(["arriving"]);
    r[1] = 1;
    r.write("]C0X", 2, "latin1");
    r[63] = 0;
    dev.send(r);
    expect(seen).toEqual(["arriving", "scan PARCLX"]);
    await sc.stop();
  });
});
