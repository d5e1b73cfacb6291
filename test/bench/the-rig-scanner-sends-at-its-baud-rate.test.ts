/**
 * The external benchmark's scanner writes a scan a byte at a time at the scanner's baud rate
 * (8N1: 10 bits a byte), never faster, to the end of a pty the daemon's serial scanner reads.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { PacedWriter, byteMs } from "../../bench/support/paced-serial.js";
import { openPtyPair, type PtyPair } from "../support/pty-pair.js";

let pair: PtyPair | null = null;
let writer: PacedWriter | null = null;
const fds: number[] = [];
afterEach(async () => {
  await writer?.close();
  writer = null;
  for (const fd of fds.splice(0)) closeSync(fd);
  await pair?.close();
  pair = null;
});

describe("the rig's paced scanner", () => {
  it("sends a token and its CR a byte every 1.04 ms at 9,600 baud, all of it, in order", async () => {
    expect(byteMs(9600)).toBeCloseTo(1.0417, 3);
    pair = await openPtyPair();
    const peer = openSync(pair.peer, "r+");
    const device = openSync(pair.device, "r+");
    fds.push(peer, device);
    writer = new PacedWriter();
    const scan = Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\r", "latin1");
    const w = await writer.write(peer, scan, 9600);
    expect(w.last - w.first, "33 bytes: 32 byte times from the first to the last, never less").toBeGreaterThanOrEqual(32 * byteMs(9600) - 0.01);
    const got = Buffer.alloc(64);
    let n = 0;
    for (let i = 0; i < 50 && n < scan.length; i++) n += readSync(device, got, n, got.length - n, null);
    expect(got.subarray(0, n).toString("latin1")).toBe(scan.toString("latin1"));
  });
});
