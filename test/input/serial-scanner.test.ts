import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Scan } from "../../src/input/devices.js";
import { SerialScanner } from "../../src/input/serial-scanner.js";
import { openPtyPair, type PtyPair } from "../support/pty-pair.js";
import { testLogger } from "../support/log.js";

let dir: string;
let pairs: PtyPair[] = [];
let ports: SerialPort[] = [];
let scanner: SerialScanner | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lockerd-scan-"));
});
afterEach(async () => {
  await scanner?.stop();
  scanner = null;
  for (const p of ports) if (p.isOpen) await new Promise((r) => p.close(r));
  ports = [];
  for (const p of pairs) await p.close();
  pairs = [];
  rmSync(dir, { recursive: true, force: true });
});

async function peerPort(path: string, baudRate: number): Promise<SerialPort> {
  const p = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => p.open((e) => (e ? reject(e) : resolve())));
  ports.push(p);
  return p;
}

const write = (p: SerialPort, data: string | Buffer) => new Promise<void>((resolve, reject) => p.write(data, (e) => (e ? reject(e) : p.drain(() => resolve()))));

// generous: socat pairs and a reopen are slow on a loaded machine, never wrong
async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("a serial scanner over a pty pair", () => {
  it("reads CRLF-terminated codes, strips AIM ids, drops garbage and overlong runs", async () => {
    const pair = await openPtyPair(dir);
    pairs.push(pair);
    const scans: Scan[] = [];
    scanner = new SerialScanner({ path: pair.device, baudRate: 9600, suffix: "CRLF", rules: { maxLength: 16, allowedSymbologies: [] } }, testLogger());
    await scanner.start({ input: (s) => scans.push(s) });
    const peer = await peerPort(pair.peer, 9600);
    await write(peer, "]C0PARCEL-1\r\n");
    await write(peer, Buffer.from([0xff, 0x00, 0x1b, 0x41, 0x0d, 0x0a])); // binary garbage
    await write(peer, "X".repeat(40) + "\r\n"); // overlong
    await write(peer, "PARC");
    await write(peer, "EL-2\r\n"); // split across writes
    await waitFor(() => scans.length === 2 && scanner!.pipeline!.rejected === 2);
    expect(scans).toEqual([
      { text: "PARCEL-1", symbology: "C0" },
      { text: "PARCEL-2", symbology: null },
    ]);
  });

  it("announces a scan when its first bytes arrive, before its CR", async () => {
    const pair = await openPtyPair(dir);
    pairs.push(pair);
    const seen: string[] = [];
    scanner = new SerialScanner({ path: pair.device, baudRate: 9600, suffix: "CR", rules: { maxLength: 64, allowedSymbologies: [] } }, testLogger());
    await scanner.start({ input: (s) => seen.push(`scan ${s.text}`), arriving: () => seen.push("arriving") });
    const peer = await peerPort(pair.peer, 9600);
    await write(peer, "ABCD");
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(["arriving"]);
    await write(peer, "EFGH");
    await write(peer, "\r");
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(["arriving", "scan ABCDEFGH"]);
  });

  it("reopens the port when the scanner comes back on the same path", async () => {
    let pair = await openPtyPair(dir);
    pairs.push(pair);
    const scans: Scan[] = [];
    const states: boolean[] = [];
    scanner = new SerialScanner({ path: pair.device, baudRate: 9600, suffix: "CR", rules: { maxLength: 64, allowedSymbologies: [] }, retryMinMs: 20, retryMaxMs: 100 }, testLogger());
    await scanner.start({ input: (s) => scans.push(s), connected: (c) => states.push(c) });
    let peer = await peerPort(pair.peer, 9600);
    await write(peer, "ONE\r");
    await waitFor(() => scans.length === 1);
    // Unplug: socat goes away with both ptys.
    await new Promise((r) => peer.close(r));
    await pair.close();
    await waitFor(() => states.includes(false));
    pair = await openPtyPair(dir);
    pairs.push(pair);
    await waitFor(() => states.filter((s) => s).length === 2);
    peer = await peerPort(pair.peer, 9600);
    await write(peer, "TWO\r");
    await waitFor(() => scans.length === 2);
    expect(scans.map((s) => s.text)).toEqual(["ONE", "TWO"]);
  });
});
