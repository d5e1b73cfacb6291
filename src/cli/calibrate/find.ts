/**
 * calibrate, steps 1 and 2: which boards answer on the line (each dialect in turn, read commands
 * only), and the sensor polarity learned from one door the technician opens and closes.
 */
import { learnedPolarity, type Polarity } from "../../drivers/serial/dialects.js";
import { BOARD_LIMITS, type BoardDriver } from "../../drivers/serial/from-config.js";
import type { BoardLine, FoundBoard } from "../../drivers/serial/probe.js";
import type { Progress } from "../progress.js";
import type { Session } from "./session.js";

export interface Found {
  driver: BoardDriver;
  baudRate: number;
  boards: FoundBoard[];
}

/** Probe every address of `range` (clipped to the dialect's own) once; `line` is open and closed by the caller. */
export async function probeDialect(s: Session, line: BoardLine, driver: BoardDriver, range: [number, number], progress: Progress): Promise<Found> {
  const { minBoard, maxBoard } = BOARD_LIMITS[driver];
  const from = Math.max(minBoard, range[0]);
  const to = Math.min(maxBoard, range[1]);
  const boards: FoundBoard[] = [];
  for (let addr = from; addr <= to; addr++) {
    // A line per address would flood a log; on a terminal it is redrawn in place.
    if (progress.tty) progress.update(`${driver} at ${line.baudRate} baud: address ${addr} of ${from}-${to}${boards.length ? ` (found ${boards.map((b) => b.board).join(", ")})` : ""}`);
    const f = await s.guard(line.probe(addr));
    if (f) boards.push(f);
  }
  progress.update(`${driver} at ${line.baudRate} baud: ${boards.length ? `boards ${boards.map((b) => b.board).join(", ")} answer` : "no board answers"} (addresses ${from}-${to})`);
  return { driver, baudRate: line.baudRate, boards };
}

export type Readings = Map<number, (boolean | null)[]>;

export async function readAll(s: Session, line: BoardLine, boards: readonly number[]): Promise<Readings> {
  const out: Readings = new Map();
  for (const b of boards) out.set(b, (await s.guard(line.read(b))).doorOpen);
  return out;
}

/** Inputs that changed between two readings: [board, channel (1-based), value now]. */
export function changes(before: Readings, after: Readings): [number, number, boolean][] {
  const out: [number, number, boolean][] = [];
  for (const [b, was] of before) {
    const now = after.get(b) ?? [];
    was.forEach((v, i) => {
      const n = now[i];
      if (v !== null && n !== null && n !== undefined && n !== v) out.push([b, i + 1, n]);
    });
  }
  return out;
}

export interface LearnedPolarity {
  polarity: Polarity;
  board: number;
  channel: number;
}

/**
 * With every door shut, read; the technician opens ONE door; read again: the one input that
 * changed is that door's, and its value says how the bank is wired. `line` reads with the
 * reference polarity. Three tries for a door that shows no change or for several that do.
 */
export async function learnPolarity(s: Session, line: BoardLine, driver: BoardDriver, boards: readonly number[]): Promise<LearnedPolarity> {
  await s.ask("Sensor polarity. Close EVERY door of the bank, then press Enter.");
  const closed = await readAll(s, line, boards);
  for (let attempt = 1; attempt <= 3; attempt++) {
    await s.ask("Now open ONE door (any door), leave it open, and press Enter.");
    const open = await readAll(s, line, boards);
    const diff = changes(closed, open);
    if (diff.length === 1) {
      const [board, channel, referenceReadsOpen] = diff[0]!;
      await s.ask(`Seen: the door on board ${board} channel ${channel}. Close it again and press Enter.`);
      const after = await readAll(s, line, boards);
      if (changes(closed, after).some(([b, c]) => b === board && c === channel)) s.say(`warning: board ${board} channel ${channel} still reads as it did with the door open: is the door shut?`);
      return { polarity: learnedPolarity(driver, referenceReadsOpen), board, channel };
    }
    if (diff.length === 0) s.say("No door input changed. Check that the door is open and its sensor is wired; try again (or another door).");
    else s.say(`${diff.length} inputs changed (${diff.map(([b, c]) => `board ${b} channel ${c}`).join(", ")}): open exactly one door. Close them all again.`);
    if (diff.length > 1) {
      await s.ask("Press Enter when every door is closed again.");
      for (const [b, v] of await readAll(s, line, boards)) closed.set(b, v);
    }
  }
  throw new PolarityNotLearned();
}

export class PolarityNotLearned extends Error {
  constructor() {
    super("the sensor polarity could not be learned: no single door input changed in three tries (give it with --polarity if you know it)");
    this.name = "PolarityNotLearned";
  }
}
