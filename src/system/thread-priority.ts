/**
 * Background threads give way to the event loop. The daemon's worker threads (the sync uplink's
 * batch reading and encoding, the checkpoints) lower their own scheduling priority, so when the
 * CPU is short (a Pi under load, or a CPU quota) the event loop, where keys, scans and doors are
 * served, runs first; the workers still get every cycle it leaves. Linux schedules threads, and
 * setpriority() on a thread id changes that thread only.
 */
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/** How much lower than the process (in nice steps) a background thread runs. */
export const BACKGROUND_NICE_STEP = 10;

/** Lower the calling thread's priority by `step` nice steps; returns its thread id, or null where it cannot. */
export function lowerThisThread(step = BACKGROUND_NICE_STEP): number | null {
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>"
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    setPriority(tid, Math.min(19, getPriority(tid) + step));
    return tid;
  } catch {
    // not Linux, or not allowed: the thread keeps the process's priority
    return null;
  }
}
