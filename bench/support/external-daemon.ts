/**
 * The daemon as its own process for the external keypress benchmark: the composition of
 * src/main.ts (configuration file, startDaemon) with the keypad read from a FIFO (fifo-hid.ts)
 * instead of node-hid; the scanner and the lock board come from the configuration (serial
 * lines on ptys). It measures its own event loop's delay and answers on stdin:
 *   "loop-reset" → starts a new measurement; "loop?" → prints {"loop": {p50, p99, max, stalls}}
 *   (ms; stalls: the worst, taken apart, see loop-stalls.ts);
 *   "trace FROM TO" → prints {"trace": {records, spans}}: the stage records of the customers'
 *   unlocks completed since the last ask, and the work spans overlapping [FROM, TO] (CLOCK_MONOTONIC
 *   ms; see src/system/trace.ts; needs LOCKERD_TRACE=1, which also records GC pauses here).
 * Prints {"ready": url} once the API listens; SIGTERM stops it as main.ts does.
 */
import { monitorEventLoopDelay, performance, PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon } from "../../src/daemon.js";
import { HidKeypad } from "../../src/input/hid-keypad.js";
import { Keymap } from "../../src/input/keymap.js";
import { createLogger } from "../../src/system/logger.js";
import { nowMs, spanAt, spansBetween, takeStageRecords, traceEnabled } from "../../src/system/trace.js";
import { fifoHidAccess } from "./fifo-hid.js";
import { LoopStalls } from "./loop-stalls.js";

const { values } = parseArgs({ options: { config: { type: "string" }, "keypad-fifo": { type: "string" } } });
const cfg = loadConfig({ path: values.config!, env: {} });
const log = createLogger(cfg.log);
const fifo = values["keypad-fifo"]!;
const keypad = new HidKeypad(fifoHidAccess(fifo), { match: { path: fifo }, keymap: new Keymap() }, log.child({ component: "keypad" }));
const daemon = await startDaemon(cfg, log, { input: { keypad } });

if (traceEnabled()) {
  // GC pauses as spans: performance's clock, moved onto the monotonic one the trace uses
  const offset = nowMs() - performance.now();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) spanAt("gc", e.startTime + offset, e.startTime + e.duration + offset, ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0));
  }).observe({ entryTypes: ["gc"] });
}

// 1 ms resolution: the delays that matter here are a few ms.
let loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const stalls = traceEnabled() ? new LoopStalls() : null;
const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "loop-reset") {
    loop.disable();
    loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    stalls?.reset();
    say({ loopReset: true });
  } else if (line.startsWith("trace ")) {
    const [from, to] = line.split(" ").slice(1).map(Number) as [number, number];
    say({ trace: { records: takeStageRecords(), spans: spansBetween(from, to) } });
  } else if (line === "loop?") {
    say({ loop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6, samples: loop.count, stalls: stalls?.worst() ?? [] } });
  }
});
let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  void daemon.stop().then(() => process.exit(0));
});
say({ ready: daemon.url, pid: process.pid });
