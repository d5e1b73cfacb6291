/**
 * Which board and channel each locker's lock is wired to, checked against what the protocol
 * can address. Every problem is listed at once so a technician fixes the layout in one pass.
 */
import type { BankLayout } from "../../config/layout.js";

export interface BoardLimits {
  /** "cu16", "8a80", "modbus-relay", "wkly": named in the problems. */
  protocol: string;
  minBoard: number;
  maxBoard: number;
  /** Channels are 1-based: 1..channels. */
  channels: number;
}

export interface LockerWire {
  lockerId: string;
  board: number;
  channel: number;
}

export interface BoardWiring {
  byLocker: ReadonlyMap<string, LockerWire>;
  /** Each board in use, ascending, with its lockers. */
  boards: ReadonlyMap<number, readonly LockerWire[]>;
}

/** The wiring, or the list of problems with it. */
export function mapBoardWiring(layout: BankLayout, limits: BoardLimits): { wiring: BoardWiring; problems: string[] } {
  const problems: string[] = [];
  const byLocker = new Map<string, LockerWire>();
  const byChannel = new Map<string, string>();
  const boards = new Map<number, LockerWire[]>();
  for (const l of layout.lockers) {
    const { board, channel } = l.lock;
    const where = `locker ${l.id}`;
    let ok = true;
    if (board === undefined) {
      problems.push(`${where}: no lock.board (the ${limits.protocol} board address it is wired to)`);
      ok = false;
    } else if (board < limits.minBoard || board > limits.maxBoard) {
      problems.push(`${where}: lock.board ${board} is out of range for ${limits.protocol} boards (${limits.minBoard}-${limits.maxBoard})`);
      ok = false;
    }
    if (channel === undefined) {
      problems.push(`${where}: no lock.channel (the lock output it is wired to, 1-${limits.channels})`);
      ok = false;
    } else if (channel < 1 || channel > limits.channels) {
      problems.push(`${where}: lock.channel ${channel} is out of range for ${limits.protocol} boards (1-${limits.channels})`);
      ok = false;
    }
    if (!ok) continue;
    const key = `${board}/${channel}`;
    const other = byChannel.get(key);
    if (other) {
      problems.push(`${where}: board ${board} channel ${channel} is already used by locker ${other}`);
      continue;
    }
    byChannel.set(key, l.id);
    const wire = { lockerId: l.id, board: board!, channel: channel! };
    byLocker.set(l.id, wire);
    const list = boards.get(wire.board) ?? [];
    list.push(wire);
    boards.set(wire.board, list);
  }
  const sorted = new Map([...boards.entries()].sort((a, b) => a[0] - b[0]));
  return { wiring: { byLocker, boards: sorted }, problems };
}
