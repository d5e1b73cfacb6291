/**
 * Stage marks and work spans, for the external keypress benchmark to say where a slow unlock's
 * time went. Off unless LOCKERD_TRACE=1 is in the environment (the benchmark's daemon) or a
 * test calls enableTrace(); off, every call is one boolean test and allocates nothing.
 *
 * - Marks: a customer's way from the input device to the board bus. The marks of the code or
 *   scan in progress are kept in one record (a later mark of the same stage overwrites: the
 *   final key's wins); the pickup's commit names its locker, and only that locker's unlock is
 *   marked after it. The record is kept when its unlock frame was handed to the line.
 * - Spans: other work that held the event loop (write transactions, the expiry sweep, prunes,
 *   the sync worker's messages, GC), the bus (each exchange) or the disk (each deferred flush of
 *   the WAL, off the event loop), in a ring of typed arrays.
 *
 * Times are CLOCK_MONOTONIC milliseconds (process.hrtime): the same clock in every process of
 * the machine, so the benchmark joins them with its own timestamps.
 */
export const STAGES = ["input.read", "kiosk.queued", "kiosk.start", "usecase.committed", "usecase.durable", "driver.unlock", "bus.granted", "bus.handed"] as const;
export type Stage = (typeof STAGES)[number];

export const SPAN_KINDS = ["write", "write.redoable", "sweep", "prune", "worker.message", "http", "bus", "gc", "flush"] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export interface StageRecord {
  lockerId: string | null;
  marks: Partial<Record<Stage, number>>;
}

export interface Span {
  kind: SpanKind;
  start: number;
  end: number;
  /** bus: the frame's first bytes as a number (see SerialLink); otherwise 0. */
  detail: number;
}

const RING = 1 << 16;

let on = process.env.LOCKERD_TRACE === "1";
let current: StageRecord = { lockerId: null, marks: {} };
const finished: StageRecord[] = [];
const starts = new Float64Array(RING);
const ends = new Float64Array(RING);
const kinds = new Uint8Array(RING);
const details = new Float64Array(RING);
let next = 0;
let count = 0;

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export function traceEnabled(): boolean {
  return on;
}

export function enableTrace(): void {
  on = true;
}

/** A stage of the customer's input in progress (lockerId: the pickup's, from the commit on). */
export function mark(stage: Stage, lockerId?: string): void {
  if (!on) return;
  if (lockerId !== undefined) current.lockerId = lockerId;
  current.marks[stage] = nowMs();
}

/** A stage that happened at `at` (nowMs()), marked after the fact. */
export function markAt(stage: Stage, at: number): void {
  if (on) current.marks[stage] = at;
}

/** A stage of a locker's unlock: marked only for the customer's locker, after its commit. */
export function markLocker(stage: Stage, lockerId: string): void {
  if (!on || current.lockerId !== lockerId) return;
  current.marks[stage] = nowMs();
  // the frame is with the operating system: this customer's record is complete
  if (stage === "bus.handed") {
    finished.push(current);
    if (finished.length > 1000) finished.shift();
    current = { lockerId: null, marks: {} };
  }
}

/** Work that ran from start (spanStart()) until now; detail: what it was, where the kind says. */
export function span(kind: SpanKind, start: number, detail = 0): void {
  if (on) spanAt(kind, start, nowMs(), detail);
}

/** Work that ran from start to end (ms, nowMs()). */
export function spanAt(kind: SpanKind, start: number, end: number, detail = 0): void {
  if (!on) return;
  const i = next;
  starts[i] = start;
  ends[i] = end;
  kinds[i] = SPAN_KINDS.indexOf(kind);
  details[i] = detail;
  next = (next + 1) % RING;
  if (count < RING) count++;
}

/** Start time for span(), or 0 when tracing is off (nothing is read then). */
export function spanStart(): number {
  return on ? nowMs() : 0;
}

/** Spans that overlap [from, to], oldest first. */
export function spansBetween(from: number, to: number): Span[] {
  const out: Span[] = [];
  for (let k = count; k >= 1; k--) {
    const i = (next - k + RING) % RING;
    if (ends[i]! >= from && starts[i]! <= to) out.push({ kind: SPAN_KINDS[kinds[i]!]!, start: starts[i]!, end: ends[i]!, detail: details[i]! });
  }
  return out;
}

/** The completed customer records, oldest first, and forgets them. */
export function takeStageRecords(): StageRecord[] {
  return finished.splice(0);
}
