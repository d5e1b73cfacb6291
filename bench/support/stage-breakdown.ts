/**
 * Where one keypress's time went: the outside timestamps (the final key written, the unlock
 * frame arrived) joined with the daemon's stage marks and work spans (src/system/trace.ts; all
 * on CLOCK_MONOTONIC) and the scheduler's run-queue wait of the daemon's and the rig's main
 * threads over the sample (/proc/<pid>/task/<pid>/schedstat).
 *
 * Stages, in order:
 * - input: the key written → the daemon's read of it (the event loop busy, or not scheduled);
 * - kiosk: read → the pickup use case starts (decoder, the kiosk's queue);
 * - usecase: → its write transaction committed (SQLite; the disk's flush is the next stage);
 * - flush: → the commit is on disk (the deferred flush: store/wal-flush.ts; a flush already
 *   with the disk is waited for, then one that carries this commit);
 * - doors: → the driver is asked to unlock;
 * - bus: → the line is the unlock's (an exchange already on the bus, or queued before it);
 * - out: → the frame arrives in the rig (the write, the pty, the rig's own event loop).
 */
import { CMD } from "../../src/drivers/cu16/protocol.js";
import type { Span, StageRecord } from "../../src/system/trace.js";
import { round } from "../cases/allocation.js";

export const STAGE_NAMES = ["input", "kiosk", "usecase", "flush", "doors", "bus", "out"] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface RawSample {
  via: "keypad" | "scanner";
  t0: number;
  at: number;
  record: StageRecord | null;
  spans: Span[];
  /** Run-queue wait over the sample, ms: the daemon's main thread, the rig's. */
  schedDaemonMs: number;
  schedRigMs: number;
}

export interface Breakdown {
  via: "keypad" | "scanner";
  /** The final key written, and the unlock frame's arrival (CLOCK_MONOTONIC ms, the trace's clock). */
  t0: number;
  at: number;
  totalMs: number;
  /** null when the daemon's marks for this sample are missing. */
  stages: Record<StageName, number> | null;
  /** What held the daemon's event loop while the input waited (ms of overlap by span kind). */
  inputHeldBy: Record<string, number>;
  /** Exchanges the unlock waited for on the bus: status reads, other unlocks. */
  busAhead: { status: number; unlock: number; ms: number };
  /** GC pauses and write transactions anywhere in the sample. */
  gcMs: number;
  writesMs: number;
  schedDaemonMs: number;
  schedRigMs: number;
}

const cmdOf = (tag: number) => Math.floor(tag / 256) % 256;

function overlap(s: Span, from: number, to: number): number {
  return Math.max(0, Math.min(s.end, to) - Math.max(s.start, from));
}

export function breakdown(s: RawSample): Breakdown {
  const m = s.record?.marks ?? {};
  const read = m["input.read"];
  const start = m["kiosk.start"];
  const committed = m["usecase.committed"];
  const durable = m["usecase.durable"];
  const driver = m["driver.unlock"];
  const granted = m["bus.granted"];
  const complete = [read, start, committed, durable, driver, granted].every((t) => t !== undefined && t >= s.t0 - 1 && t <= s.at + 50);
  const stages = complete
    ? {
        input: read! - s.t0,
        kiosk: start! - read!,
        usecase: committed! - start!,
        flush: durable! - committed!,
        doors: driver! - durable!,
        bus: granted! - driver!,
        out: s.at - granted!,
      }
    : null;
  const inputHeldBy: Record<string, number> = {};
  if (read !== undefined) {
    for (const sp of s.spans) {
      if (sp.kind === "bus" || sp.kind === "http" || sp.kind === "flush") continue;
      const o = overlap(sp, s.t0, read);
      if (o > 0) inputHeldBy[sp.kind] = (inputHeldBy[sp.kind] ?? 0) + o;
    }
  }
  const busAhead = { status: 0, unlock: 0, ms: 0 };
  if (driver !== undefined && granted !== undefined) {
    for (const sp of s.spans) {
      if (sp.kind !== "bus" || sp.end <= driver || sp.start >= granted) continue;
      if (cmdOf(sp.detail) === CMD.unlock) busAhead.unlock++;
      else busAhead.status++;
      busAhead.ms += overlap(sp, driver, granted);
    }
  }
  const sum = (kind: Span["kind"]) => s.spans.filter((sp) => sp.kind === kind).reduce((a, sp) => a + overlap(sp, s.t0, s.at), 0);
  return {
    via: s.via,
    t0: s.t0,
    at: s.at,
    totalMs: s.at - s.t0,
    stages,
    inputHeldBy,
    busAhead,
    gcMs: sum("gc"),
    writesMs: sum("write") + sum("write.redoable"),
    schedDaemonMs: s.schedDaemonMs,
    schedRigMs: s.schedRigMs,
  };
}

/** The mean of each stage over a set of samples (those with marks), rounded. */
export function meanStages(bs: readonly Breakdown[]): Record<string, number> {
  const withStages = bs.filter((b) => b.stages);
  const out: Record<string, number> = { samples: bs.length, marked: withStages.length };
  const mean = (f: (b: Breakdown) => number, set: readonly Breakdown[] = bs) => (set.length ? round(set.reduce((a, b) => a + f(b), 0) / set.length, 2) : 0);
  out.totalMs = mean((b) => b.totalMs);
  for (const n of STAGE_NAMES) out[`${n}Ms`] = mean((b) => b.stages![n], withStages);
  out.inputHeldByWritesMs = mean((b) => (b.inputHeldBy.write ?? 0) + (b.inputHeldBy["write.redoable"] ?? 0));
  out.inputHeldByGcMs = mean((b) => b.inputHeldBy.gc ?? 0);
  out.inputHeldByOtherSpansMs = mean((b) => Object.entries(b.inputHeldBy).reduce((a, [k, v]) => (k === "gc" || k.startsWith("write") ? a : a + v), 0));
  out.busAheadExchanges = mean((b) => b.busAhead.status + b.busAhead.unlock);
  out.busAheadUnlocks = mean((b) => b.busAhead.unlock);
  out.gcMs = mean((b) => b.gcMs);
  out.writesMs = mean((b) => b.writesMs);
  out.schedDaemonMs = mean((b) => b.schedDaemonMs);
  out.schedRigMs = mean((b) => b.schedRigMs);
  return out;
}

/** The slowest samples (at or above the 95th percentile) and all, each as mean stages. */
export function tailAndAll(bs: readonly Breakdown[]): { all: Record<string, number>; tail: Record<string, number> } {
  const sorted = [...bs].sort((a, b) => a.totalMs - b.totalMs);
  const tail = sorted.slice(Math.floor(sorted.length * 0.95));
  return { all: meanStages(bs), tail: meanStages(tail) };
}

/** One line for a slow sample, for the log. */
export function describe(b: Breakdown): string {
  const st = b.stages ? STAGE_NAMES.map((n) => `${n} ${b.stages![n].toFixed(1)}`).join(", ") : "no marks";
  const held = Object.entries(b.inputHeldBy)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(" ");
  return `${b.via} ${b.totalMs.toFixed(1)} ms: ${st}; input held by [${held}]; bus ahead ${b.busAhead.status} status + ${b.busAhead.unlock} unlock (${b.busAhead.ms.toFixed(1)} ms); gc ${b.gcMs.toFixed(1)}, writes ${b.writesMs.toFixed(1)}; run-queue wait daemon ${b.schedDaemonMs.toFixed(1)}, rig ${b.schedRigMs.toFixed(1)}`;
}
