/**
 * calibrate, step 3: every lock of the layout pulsed once, in turn. What the door sensors saw
 * (any input that went from closed to open while we waited) is put beside what the technician
 * says (asked per lock, or once per board), and each lock gets one verdict.
 */
import { BoardRefusedError } from "../../drivers/serial/board-bank.js";
import type { BoardLine } from "../../drivers/serial/probe.js";
import type { LockerWire } from "../../drivers/serial/wiring.js";
import type { Progress } from "../progress.js";
import { readAll, type Readings } from "./find.js";
import { NoAnswer, type Session } from "./session.js";

export type Verdict =
  /** The door opened, and its own sensor saw it. */
  | "ok"
  /** The technician says it opened, but its sensor did not change: sensor wiring or polarity. */
  | "sensor_not_seen"
  /** Another door's input changed (the lock or sensor is on another channel than the layout says). */
  | "miswired"
  /** Nothing opened: lock, its power, or its wire. */
  | "did_not_open"
  /** The sensor saw it open, the technician says it did not. */
  | "sensor_disagrees"
  /** The board did not answer the probe, so it was not pulsed. */
  | "board_missing"
  /** The board refused the pulse or did not answer it. */
  | "pulse_failed"
  /** The locker holds a parcel (the bank's database says so): not pulsed. */
  | "occupied";

export interface LockResult {
  lockerId: string;
  board: number;
  channel: number;
  verdict: Verdict;
  detail: string;
}

export interface WiringCheckOptions {
  pulseMs: number;
  /** How long to watch the sensors after a pulse. */
  waitMs: number;
  /** Ask after every lock, or once per board. */
  confirm: "lock" | "board";
  progress: Progress;
  /** Lockers not to pulse: id → the parcel it holds. */
  occupied: ReadonlyMap<string, string>;
}

export interface Seen {
  wire: LockerWire;
  /** [board, channel] inputs that went from closed to open. */
  opened: [number, number][];
  failed: string | null;
}

export async function checkWiring(s: Session, line: BoardLine, wires: readonly LockerWire[], found: ReadonlySet<number>, opts: WiringCheckOptions): Promise<LockResult[]> {
  const results: LockResult[] = [];
  const boards = [...found];
  const lockerAt = new Map(wires.map((w) => [`${w.board}/${w.channel}`, w.lockerId]));
  const name = (b: number, c: number) => `board ${b} channel ${c}${lockerAt.has(`${b}/${c}`) ? ` (${lockerAt.get(`${b}/${c}`)})` : ""}`;
  const pending: Seen[] = [];
  const todo = wires.filter((w) => found.has(w.board) && !opts.occupied.has(w.lockerId)).length;
  let done = 0;
  for (const [i, w] of wires.entries()) {
    if (!found.has(w.board)) {
      results.push({ ...wireOf(w), verdict: "board_missing", detail: `board ${w.board} did not answer the probe` });
      continue;
    }
    const parcel = opts.occupied.get(w.lockerId);
    if (parcel) {
      results.push({ ...wireOf(w), verdict: "occupied", detail: `holds parcel ${parcel}: not pulsed (--include-occupied pulses it; its door opens)` });
      continue;
    }
    done++;
    opts.progress.update(`[${done}/${todo}] ${w.lockerId} (board ${w.board} channel ${w.channel}): pulsing`);
    const seen = await pulseAndWatch(s, line, w, boards, opts);
    if (opts.confirm === "lock") {
      opts.progress.done();
      results.push(judge(seen, seen.failed ? null : await s.yesNo(`Did the door of ${w.lockerId} open? (close it again, then answer)`), name));
      continue;
    }
    pending.push(seen);
    const last = wires.slice(i + 1).every((x) => x.board !== w.board || opts.occupied.has(x.lockerId));
    if (last) {
      opts.progress.done();
      const ids = pending.map((p) => p.wire.lockerId).join(", ");
      const yes = await s.yesNo(`Board ${w.board}: did the doors ${ids} each open, in that order, as they were pulsed? (close them, then answer)`);
      const shut = yes ? new Set<string>() : await whichStayedShut(s, pending.map((p) => p.wire.lockerId));
      for (const p of pending) results.push(judge(p, p.failed ? null : !shut.has(p.wire.lockerId), name));
      pending.length = 0;
    } else await s.sleep(300);
  }
  return results;
}

/** After a "no" for a whole board: which of its doors stayed shut (ids, checked against the board's). */
async function whichStayedShut(s: Session, ids: readonly string[]): Promise<Set<string>> {
  for (let i = 0; i < 3; i++) {
    const named = (await s.ask(`Which of them did not open? (locker ids separated by spaces)`)).toUpperCase().split(/[\s,]+/).filter(Boolean);
    const unknown = named.filter((id) => !ids.includes(id));
    if (named.length && !unknown.length) return new Set(named);
    s.say(unknown.length ? `not on this board: ${unknown.join(", ")} (it has ${ids.join(", ")})` : "name at least one locker");
  }
  throw new NoAnswer(`which of ${ids.join(", ")} did not open`);
}

async function pulseAndWatch(s: Session, line: BoardLine, w: LockerWire, boards: number[], opts: WiringCheckOptions): Promise<Seen> {
  let before = await readAll(s, line, boards);
  if (before.get(w.board)?.[w.channel - 1] === true) {
    opts.progress.done();
    await s.ask(`The door of ${w.lockerId} reads open: close it, then press Enter.`);
    before = await readAll(s, line, boards);
  }
  try {
    await s.guard(line.pulse(w.board, w.channel, opts.pulseMs));
  } catch (e) {
    if (e instanceof BoardRefusedError || (e as { code?: string }).code === "REPLY_TIMEOUT") return { wire: w, opened: [], failed: (e as Error).message };
    throw e;
  }
  const opened = new Map<string, [number, number]>();
  const until = Date.now() + opts.waitMs;
  while (Date.now() < until) {
    await s.sleep(100);
    const now = await readAll(s, line, boards);
    for (const o of wentOpen(before, now)) opened.set(`${o[0]}/${o[1]}`, o);
    if (opened.has(`${w.board}/${w.channel}`)) break;
  }
  return { wire: w, opened: [...opened.values()], failed: null };
}

function wentOpen(before: Readings, now: Readings): [number, number][] {
  const out: [number, number][] = [];
  for (const [b, was] of before) {
    (now.get(b) ?? []).forEach((v, i) => {
      if (v === true && was[i] === false) out.push([b, i + 1]);
    });
  }
  return out;
}

function wireOf(w: LockerWire) {
  return { lockerId: w.lockerId, board: w.board, channel: w.channel };
}

/** One verdict from what the sensors saw and what the technician said (null: not asked). */
export function judge(seen: Seen, saidOpened: boolean | null, name: (b: number, c: number) => string): LockResult {
  const w = seen.wire;
  const base = wireOf(w);
  if (seen.failed) return { ...base, verdict: "pulse_failed", detail: seen.failed };
  const own = seen.opened.some(([b, c]) => b === w.board && c === w.channel);
  const others = seen.opened.filter(([b, c]) => b !== w.board || c !== w.channel).map(([b, c]) => name(b, c));
  if (others.length) {
    return { ...base, verdict: "miswired", detail: `pulsing board ${w.board} channel ${w.channel} opened the door read on ${others.join(", ")}${own ? " as well" : ""}: lock or sensor wire on the wrong channel` };
  }
  if (saidOpened === false) return own ? { ...base, verdict: "sensor_disagrees", detail: "its sensor read open, but the technician saw the door stay shut" } : { ...base, verdict: "did_not_open", detail: "no door opened and no sensor changed: lock, its power or its wire" };
  if (!own) return { ...base, verdict: "sensor_not_seen", detail: "the door opened but its sensor did not change: sensor wire or polarity" };
  return { ...base, verdict: "ok", detail: "opened; its sensor saw it" };
}
