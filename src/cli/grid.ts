/**
 * The bank drawn as it stands: one column of cells per physical column of the layout, each
 * cell showing the locker's id, size, status and door, and "+" where an IR sensor sees an item
 * inside (red on a free locker: left behind). Without a layout (a remote bank) the column is
 * the id's letter.
 */
import type { BankLayout } from "../config/layout.js";
import { pad, type Output, type Style } from "./output.js";
import type { LockerView } from "./views.js";

const STATUS_TEXT: Record<string, [string, Style]> = {
  AVAILABLE: ["free", "green"],
  RESERVED: ["resv", "yellow"],
  OCCUPIED: ["full", "cyan"],
  OUT_OF_SERVICE: ["OOS", "red"],
};

const DOOR_TEXT: Record<string, [string, Style | Style[]]> = {
  closed: ["closed", "dim"],
  open: ["OPEN", ["bold", "yellow"]],
  unlocking: ["unlock", "magenta"],
  unknown: ["?", "dim"],
};

export const CELL_WIDTH = 19;

export function columnsOf(layout: BankLayout | null, lockers: readonly LockerView[]): { id: string; lockers: string[] }[] {
  const known = new Set(lockers.map((l) => l.id));
  if (layout) {
    const cols = layout.columns.map((c) => ({ id: c.id, lockers: c.lockers.map((l) => l.id).filter((id) => known.has(id)) }));
    const placed = new Set(cols.flatMap((c) => c.lockers));
    const extra = lockers.filter((l) => !placed.has(l.id));
    if (extra.length) cols.push({ id: "?", lockers: extra.map((l) => l.id) });
    return cols.filter((c) => c.lockers.length);
  }
  const byLetter = new Map<string, string[]>();
  for (const l of lockers) {
    const k = l.id[0]!;
    byLetter.set(k, [...(byLetter.get(k) ?? []), l.id]);
  }
  return [...byLetter].map(([id, ids]) => ({ id, lockers: ids }));
}

export function cell(out: Output, l: LockerView): string {
  const [st, stStyle] = STATUS_TEXT[l.status] ?? [l.status.slice(0, 4), "bold"];
  const [door, doorStyle] = DOOR_TEXT[l.door] ?? [l.door.slice(0, 6), "bold"];
  const item = l.itemPresent === true ? out.paint(l.status === "AVAILABLE" ? ["bold", "red"] : "cyan", "+") : "";
  return `${out.paint("bold", l.id)} ${pad(l.size, 2)} ${out.paint(stStyle, pad(st, 4))} ${out.paint(doorStyle, door)}${item}`;
}

export function drawGrid(out: Output, layout: BankLayout | null, lockers: readonly LockerView[]): string[] {
  const byId = new Map(lockers.map((l) => [l.id, l]));
  const cols = columnsOf(layout, lockers);
  const height = Math.max(...cols.map((c) => c.lockers.length));
  const lines: string[] = [];
  lines.push(cols.map((c) => pad(`column ${c.id}`, CELL_WIDTH)).join(" │ ").trimEnd());
  lines.push(cols.map(() => "─".repeat(CELL_WIDTH)).join("─┼─"));
  for (let row = 0; row < height; row++) {
    lines.push(
      cols
        .map((c) => {
          const id = c.lockers[row];
          return pad(id ? cell(out, byId.get(id)!) : "", CELL_WIDTH);
        })
        .join(" │ ")
        .trimEnd(),
    );
  }
  lines.push(out.paint("dim", "free/resv(erved)/full/OOS = out of service; door closed/OPEN/unlock(ing)/? = unknown"));
  if (lockers.some((l) => l.itemPresent === true)) lines.push(out.paint("dim", "+ = the IR sensor sees an item inside (red on a free locker: left behind)"));
  return lines;
}
