/**
 * Bytes written to a pty at a serial line's pace. A pty hands over a whole write at once, where a
 * serial scanner sends a code one character at a time at its baud rate: 8N1 is 10 bits a byte,
 * 1.04 ms at 9,600 baud, so a 32-character token and its CR take 34 ms from the first byte to the
 * last. The bank sees the code's first bytes that long before its end (and the kiosk holds the
 * board bus from them), so the benchmark's customer paces its scans the same way.
 *
 * The pacing runs in a worker thread of its own: waiting out the byte times on the rig's main
 * thread would hold up the simulated boards' answers. Each byte is written at its own time from
 * the first (start + i × byte time: no drift), slept for with Atomics.wait and spun for the last
 * 0.1 ms. The times are CLOCK_MONOTONIC (process.hrtime), the clock the daemon's trace uses.
 */
import { Worker } from "node:worker_threads";

/** One byte's time on the line, 8N1 (start bit, 8 data bits, stop bit). */
export function byteMs(baudRate: number): number {
  return 10_000 / baudRate;
}

const WORKER = `
const { parentPort } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const cell = new Int32Array(new SharedArrayBuffer(4));
const now = () => Number(process.hrtime.bigint()) / 1e6;
function until(t) {
  for (;;) {
    const left = t - now();
    if (left <= 0) return;
    if (left > 0.15) Atomics.wait(cell, 0, 0, left - 0.1);
  }
}
parentPort.on("message", ({ id, fd, bytes, byteMs }) => {
  try {
    const buf = Buffer.from(bytes);
    const first = now();
    let last = first;
    for (let i = 0; i < buf.length; i++) {
      until(first + i * byteMs);
      last = now();
      writeSync(fd, buf, i, 1);
    }
    parentPort.postMessage({ id, first, last });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e) });
  }
});
`;

interface Written {
  /** When the first byte was written (monotonic ms). */
  first: number;
  /** When the last byte's write began (monotonic ms). */
  last: number;
}

export class PacedWriter {
  private readonly worker = new Worker(WORKER, { eval: true });
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (w: Written) => void; reject: (e: Error) => void }>();

  constructor() {
    this.worker.on("message", (m: { id: number; first?: number; last?: number; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`paced write failed: ${m.error}`));
      else p.resolve({ first: m.first!, last: m.last! });
    });
    this.worker.on("error", (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  /** Write bytes to fd one at a time at baudRate (8N1); resolves when the last one was written. */
  write(fd: number, bytes: Uint8Array, baudRate: number): Promise<Written> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, fd, bytes: Uint8Array.from(bytes), byteMs: byteMs(baudRate) });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
