/**
 * A serial line is read and written from the event loop, never through libuv's thread pool
 * (src/system/serial-direct-io.ts): with every thread of the pool stuck (as behind an SD card's
 * stalled fdatasync), an unlock frame still leaves at once, a board's answer and a scanned code
 * still come in. serialport's own binding would wait for a free pool thread for each.
 */
import { spawnSync } from "node:child_process";
import { constants, mkdtempSync, openSync, read, readSync, rmSync, stat, closeSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { SerialPortLine } from "../../src/drivers/serial/line.js";
import type { Scan } from "../../src/input/devices.js";
import { SerialScanner } from "../../src/input/serial-scanner.js";
import { openPtyPair } from "../support/pty-pair.js";
import { testLogger } from "../support/log.js";
import { waitFor } from "../support/wait-for.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Every libuv pool thread blocked in a read of an empty FIFO until release(); `blocked` proves it (a stat queued behind them has not finished). */
async function blockThePool(): Promise<{ release(): Promise<void> }> {
  const size = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const dir = mkdtempSync(join(tmpdir(), "lockerd-pool-"));
  const fds: number[] = [];
  const reads: Promise<void>[] = [];
  for (let i = 0; i < size; i++) {
    const fifo = join(dir, `f${i}`);
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const fd = openSync(fifo, "r+"); // blocking, and never end-of-file
    fds.push(fd);
    reads.push(new Promise((resolve) => read(fd, Buffer.alloc(1), 0, 1, null, () => resolve())));
  }
  let statDone = false;
  const probe = new Promise<void>((resolve) => stat(dir, () => ((statDone = true), resolve())));
  await new Promise((r) => setTimeout(r, 100));
  expect(statDone, "the pool is not blocked: the test would prove nothing").toBe(false);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    for (const fd of fds) writeSync(fd, "x");
    await Promise.all([...reads, probe]);
    for (const fd of fds) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(release);
  return { release };
}

/** The far end of a pty, read and written without the pool (a non-blocking descriptor, polled). */
function peerOf(path: string): { received: () => Buffer; write(b: string | Buffer): void } {
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(256);
  const timer = setInterval(() => {
    try {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n > 0) chunks.push(Buffer.from(buf.subarray(0, n)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
    }
  }, 2);
  cleanups.push(() => {
    clearInterval(timer);
    closeSync(fd);
  });
  return { received: () => Buffer.concat(chunks), write: (b) => void writeSync(fd, typeof b === "string" ? Buffer.from(b) : b) };
}

it("writes a frame and reads an answer while every thread of the pool is stuck", async () => {
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const line = new SerialPortLine({ path: pty.device, baudRate: 115_200 });
  await line.open(); // opening is the binding's own (it uses the pool): before the pool is stuck
  cleanups.push(() => line.close());
  const answers: Buffer[] = [];
  line.onData((c) => answers.push(c));
  const peer = peerOf(pty.peer);

  const pool = await blockThePool();
  const frame = Buffer.from([0x02, 0x00, 0x31, 0x03, 0x36]);
  await line.write(frame);
  await waitFor("the frame reached the far end", () => peer.received().equals(frame), 2000);
  peer.write(Buffer.from([0x02, 0x00, 0x35, 0x03, 0x3a]));
  await waitFor("the answer was read", () => Buffer.concat(answers).length === 5, 2000);
  expect(Buffer.concat(answers)).toEqual(Buffer.from([0x02, 0x00, 0x35, 0x03, 0x3a]));
  await pool.release();
});

it("reads a scanned code while every thread of the pool is stuck", async () => {
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const scanner = new SerialScanner({ path: pty.device, baudRate: 9600, suffix: "CRLF", rules: { maxLength: 16, allowedSymbologies: [] } }, testLogger());
  const scans: Scan[] = [];
  await scanner.start({ input: (s) => scans.push(s) });
  cleanups.push(() => scanner.stop());
  const peer = peerOf(pty.peer);

  const pool = await blockThePool();
  peer.write("PKG-12345\r\n");
  await waitFor("the scan was read", () => scans.length === 1, 2000);
  expect(JSON.stringify(scans[0])).toContain("PKG-12345");
  await pool.release();
});
