/**
 * What the rig's boards saw of each door, for explaining a daemon's "door did not open": the
 * unlock frames that reached a board, when the simulated person opened and shut the door, and
 * when the daemon last read that board's status (its only way to see a door move). A door
 * opened and shut between two reads of its board is one the daemon cannot have seen.
 */
import * as cu16 from "../../src/drivers/cu16/protocol.js";
import type { BoardChange } from "../../src/simulator/sim-board.js";

interface Mark {
  at: number;
  what: "unlock" | "open" | "closed";
}

/** How much history to keep: marks per locker; reads per board (a minute at 10 reads a second, beyond a 30 s open timeout). */
const KEEP_MARKS = 64;
const KEEP_READS = 600;

export class DoorWitness {
  private readonly marks = new Map<string, Mark[]>();
  private readonly reads = new Map<number, number[]>();

  constructor(
    private readonly lockerOf: (board: number, channel: number) => string | undefined,
    private readonly now: () => number,
  ) {}

  /** A frame the boards read (BoardBus onTraffic "in"). */
  frameIn(bytes: Buffer): void {
    const cmd = cu16.parseCommand(bytes);
    if (!cmd) return;
    if (cmd.cmd === cu16.CMD.status) push(this.reads, cmd.board, this.now(), KEEP_READS);
    else if (cmd.cmd === cu16.CMD.unlock) this.mark(cmd.board, cmd.lockIndex + 1, "unlock");
  }

  /** A door the simulated person moved (BoardBus onChange). */
  change(c: BoardChange): void {
    if (c.kind === "door") this.mark(c.board, c.channel, c.open ? "open" : "closed");
  }

  /**
   * The locker's story since its last unlock frame, on the rig's clock (ms before now): the
   * door's moves, the reads of its board, and the verdict: seen or not seen by the daemon.
   */
  explain(lockerId: string, board: number): string {
    const now = this.now();
    const marks = this.marks.get(lockerId) ?? [];
    const lastUnlock = marks.map((m) => m.what).lastIndexOf("unlock");
    if (lastUnlock < 0) return `${lockerId}: no unlock frame reached its board in the rig's memory`;
    const since = marks.slice(lastUnlock);
    const t0 = since[0]!.at;
    const reads = (this.reads.get(board) ?? []).filter((r) => r >= t0);
    const ago = (t: number) => `${Math.round(now - t)}`;
    const opened = since.find((m) => m.what === "open");
    const closed = opened && since.find((m) => m.what === "closed" && m.at >= opened.at);
    let verdict: string;
    if (!opened) verdict = "the simulated person never opened the door (it stood open already, or the person was off)";
    else if (closed) {
      const seen = reads.filter((r) => r >= opened.at && r < closed.at).length;
      const before = reads.filter((r) => r < opened.at).at(-1);
      const after = reads.find((r) => r >= closed.at);
      verdict =
        seen > 0
          ? `the door was open ${Math.round(closed.at - opened.at)} ms and board ${board} was read ${seen} times meanwhile: the daemon was told`
          : `the door was open ${Math.round(closed.at - opened.at)} ms and board ${board} was not read meanwhile ` +
            `(reads ${before === undefined ? "none" : Math.round(opened.at - before)} ms before it opened, ${after === undefined ? "none yet" : Math.round(after - closed.at)} ms after it shut): the daemon cannot have seen it`;
    } else verdict = "the door still stands open";
    const gaps = reads.slice(1).map((r, i) => r - reads[i]!);
    return (
      `${lockerId} (board ${board}): unlock frame ${ago(t0)} ms ago; ` +
      since.slice(1).map((m) => `${m.what} ${ago(m.at)} ms ago`).join(", ") +
      `; ${reads.length} reads of board ${board} since the unlock, longest gap ${gaps.length ? Math.round(Math.max(...gaps)) : "-"} ms; ${verdict}`
    );
  }

  private mark(board: number, channel: number, what: Mark["what"]): void {
    const id = this.lockerOf(board, channel);
    if (id) push(this.marks, id, { at: this.now(), what }, KEEP_MARKS);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, v: V, keep: number): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(v);
  if (list.length > keep * 2) list.splice(0, list.length - keep);
}
