/**
 * The daemon's worst event loop stalls, taken apart (the benchmark's daemon, trace mode): a
 * timer every TICK_MS; when it fires more than STALL_MS late, the stall is kept with what the
 * main thread did over it, from its /proc schedstat (ms on a core; ms runnable but waiting for
 * one, which includes a CPU quota's throttling) and the daemon's own work spans overlapping it
 * (GC by kind, write transactions, HTTP, ...; src/system/trace.ts). An event loop that is late while
 * its thread waited for a core was held by the machine, not by the daemon's work.
 */
import { openSync, readSync } from "node:fs";
import { nowMs, spansBetween } from "../../src/system/trace.js";

const TICK_MS = 5;
const STALL_MS = 8;
const KEEP = 5;
const GC_KINDS: Record<number, string> = { 1: "minor", 2: "major", 4: "incremental", 8: "weak" };

export interface LoopStall {
  /** How late the timer fired, ms (about the loop's delay). */
  ms: number;
  /** The main thread on a core, and runnable but waiting for one, over the stall (ms). */
  onCpuMs: number;
  waitMs: number;
  /** The daemon's own work overlapping the stall, ms per kind (clipped to it). */
  work: Record<string, number>;
}

export class LoopStalls {
  private kept: LoopStall[] = [];
  private readonly fd = openSync("/proc/thread-self/schedstat", "r");
  private readonly buf = Buffer.alloc(128);
  private last = nowMs();
  private lastSched = this.sched();
  /** For the life of the benchmark's daemon process: the timer is unref'd, the descriptor closes with it. */
  constructor() {
    setInterval(() => this.tick(), TICK_MS).unref();
  }

  reset(): void {
    this.kept = [];
  }

  worst(): LoopStall[] {
    return [...this.kept];
  }

  private tick(): void {
    const now = nowMs();
    const sched = this.sched();
    const late = now - this.last - TICK_MS;
    if (late > STALL_MS && (this.kept.length < KEEP || late > this.kept.at(-1)!.ms)) {
      const from = this.last + TICK_MS;
      const work: Record<string, number> = {};
      for (const s of spansBetween(from, now)) {
        // GC by V8's kind (perf_hooks: 1 minor/scavenge, 2 major/mark-compact, 4 incremental, 8 weak callbacks)
        const key = s.kind === "gc" ? `gc.${GC_KINDS[s.detail] ?? s.detail}` : s.kind;
        work[key] = round((work[key] ?? 0) + Math.min(s.end, now) - Math.max(s.start, from));
      }
      const stall = { ms: round(late), onCpuMs: round(sched.onCpu - this.lastSched.onCpu), waitMs: round(sched.wait - this.lastSched.wait), work };
      this.kept = [...this.kept, stall].sort((a, b) => b.ms - a.ms).slice(0, KEEP);
    }
    this.last = now;
    this.lastSched = sched;
  }

  /** This thread's schedstat: ns on a core, ns waiting on a run queue (as ms). */
  private sched(): { onCpu: number; wait: number } {
    const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    const [onCpu, wait] = this.buf.toString("latin1", 0, n).split(" ").map(Number) as [number, number];
    return { onCpu: onCpu / 1e6, wait: wait / 1e6 };
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
