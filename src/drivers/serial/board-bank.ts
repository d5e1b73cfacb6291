/**
 * A lock bank made of RS-485 lock boards on one serial bus. The boards time the unlock pulse
 * themselves, so nothing here is ever left energised; door positions come from polling each
 * board's feedback inputs. A board that stops answering takes its lockers offline (reported
 * once), is retried with a capped backoff, and is reported again when it answers. The protocol
 * (CU16, 0x8A/0x80, Modbus relay boards) is a small strategy; this class holds everything they
 * share. A protocol whose boards can hold an output on (a relay board) has an "all off" command:
 * each board gets it before its first reading (and again after the line was lost), and every
 * board gets it when the bank stops.
 */
import { cappedDelay } from "../../basics/backoff.js";
import type { Logger } from "../../system/logger.js";
import { markLocker } from "../../system/trace.js";
import type { DoorPosition, LockBank, LockBankListener, UnlockReceipt } from "../lock-bank.js";
import type { FrameFormat } from "./framing.js";
import { SerialLink, type BusLink } from "./link.js";
import { PollHolds } from "./poll-holds.js";
import type { SerialLine } from "./line.js";
import type { BoardWiring, LockerWire } from "./wiring.js";

/** One board's feedback, indexed by channel - 1. */
export interface BoardReading {
  /** null (or missing): the board cannot tell for this channel; the door reads "unknown". */
  doorOpen: (boolean | null)[];
  /** Infrared "item present" inputs, where the board has them. */
  itemPresent?: boolean[];
}

export interface BoardProtocol {
  readonly kind: string;
  /** The frames the host reads. */
  readonly replyFormat: FrameFormat;
  /** retries: override of the link's (an offline board is probed once per turn). */
  read(link: BusLink, board: number, retries?: number): Promise<BoardReading>;
  /**
   * Unlock one channel; a reading when the protocol confirms by reading the board. pulseMs
   * matters only to protocols that carry the pulse length in the command (the board still times it).
   */
  unlock(link: BusLink, board: number, channel: number, pulseMs: number): Promise<BoardReading | null>;
  /** Switch every output of the board off (boards that can hold an output on). */
  allOff?(link: BusLink, board: number, retries?: number): Promise<void>;
}

/**
 * A board answered, with a refusal (a Modbus exception): it is reachable, but did not do what it
 * was asked. An unlock so refused fails without taking the board offline; a refused reading
 * takes it offline with the refusal as the reason (its doors cannot be read).
 */
export class BoardRefusedError extends Error {
  readonly code = "BOARD_REFUSED";
  constructor(message: string) {
    super(message);
    this.name = "BoardRefusedError";
  }
}

export interface BoardBankOptions {
  line: SerialLine;
  wiring: BoardWiring;
  protocol: BoardProtocol;
  gapMs: number;
  pollMs: number;
  responseTimeoutMs: number;
  retries: number;
  /** The longest wait between retries of a board that does not answer. */
  backoffMaxMs: number;
  log?: Logger | undefined;
}

interface BoardState {
  id: number;
  wires: readonly LockerWire[];
  online: boolean;
  /**
   * Read at least once. The first reading taken while the bank starts is its picture of the
   * doors, not news; a board first read later (offline since start) reports every door, since
   * nothing was known of them and a door may have been forced meanwhile.
   */
  seen: boolean;
  failures: number;
  nextTryAt: number;
  /** Its outputs were switched off since the line (re)opened (protocols with allOff only). */
  outputsOff: boolean;
}

export class BoardLockBank implements LockBank {
  readonly kind: string;
  protected readonly link: SerialLink;
  private readonly positions = new Map<string, DoorPosition>();
  /** Position last read from the hardware, kept while a board is offline. */
  private readonly lastRead = new Map<string, DoorPosition>();
  private readonly itemMap = new Map<string, boolean>();
  private readonly offlineSet = new Set<string>();
  private readonly boards: BoardState[];
  private listener: LockBankListener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private lineOpen = false;
  /** The first poll round is over: the start picture is taken. */
  private started = false;
  private lineRetryAt = 0;
  private lineFailures = 0;
  private stopped: Promise<void> | null = null;
  private readonly holds = new PollHolds();

  constructor(private readonly opts: BoardBankOptions) {
    this.kind = opts.protocol.kind;
    this.link = new SerialLink(opts.line, opts.protocol.replyFormat, {
      gapMs: opts.gapMs,
      responseTimeoutMs: opts.responseTimeoutMs,
      retries: opts.retries,
      onDiscard: (d) => opts.log?.debug({ reason: d.reason, bytes: d.bytes.toString("hex") }, "serial input discarded"),
    });
    opts.line.onClose((err) => this.onLineLost(err));
    this.boards = [...opts.wiring.boards.entries()].map(([id, wires]) => ({ id, wires, online: true, seen: false, failures: 0, nextTryAt: 0, outputsOff: false }));
    for (const id of opts.wiring.byLocker.keys()) this.positions.set(id, "unknown");
  }

  /** Open the line and read every board once; boards that do not answer start offline. */
  async start(listener: LockBankListener): Promise<void> {
    this.listener = listener;
    await this.link.open();
    this.lineOpen = true;
    await this.pollRound();
    this.started = true;
    this.schedule();
  }

  async unlock(lockerId: string, pulseMs: number, opts: { pickup?: boolean } = {}): Promise<UnlockReceipt> {
    // The board times the pulse: set on the board (CU16, 0x8A/0x80) or carried in the command.
    const wire = this.opts.wiring.byLocker.get(lockerId);
    if (!wire) throw new Error(`${this.kind}: no locker ${lockerId} in the wiring`);
    const board = this.board(wire.board);
    if (this.offlineSet.has(lockerId) || !this.lineOpen) throw new Error(`${this.kind}: board ${wire.board} of locker ${lockerId} is offline`);
    markLocker("driver.unlock", lockerId);
    try {
      // its exchanges go ahead of the polls waiting for the line (a pickup's ahead of other unlocks too)
      const reading = await this.opts.protocol.unlock(this.link.forUnlock(lockerId, opts.pickup ? "pickup" : "unlock"), wire.board, wire.channel, pulseMs);
      this.holds.unlocked(lockerId);
      if (reading) this.apply(board, reading);
      // A protocol that confirms by reading the board returns that reading; otherwise the board answered the command.
      return { board: reading ? "status_read" : "acknowledged" };
    } catch (e) {
      if (isTimeout(e)) this.markOffline(board, e as Error);
      throw e;
    }
  }

  holdPolls(ms: number): void {
    this.holds.hold(ms);
  }

  /**
   * A customer's unlock is imminent: no exchange but a pickup starts on the bus for up to ms
   * (the line queue bounds it, and bounds how long anything waits because of it). Not while a
   * board's outputs are not known to be off: telling it so goes first, whatever waits.
   */
  holdLineForPickup(ms: number): void {
    if (!this.started || !this.lineOpen || this.stopped || this.outputsUnknown()) return;
    this.link.holdForPickup(ms);
  }

  releaseLineHold(): void {
    this.link.releaseHold();
  }

  private outputsUnknown(): boolean {
    return !!this.opts.protocol.allOff && this.boards.some((b) => !b.outputsOff);
  }

  private pollsHeld(): boolean {
    if (!this.started || !this.holds.held()) return false;
    // A board whose outputs are not known to be off is told so first, whatever waits.
    return !this.outputsUnknown();
  }

  doors(): ReadonlyMap<string, DoorPosition> {
    return this.positions;
  }

  offline(): ReadonlySet<string> {
    return this.offlineSet;
  }

  /** IR "item present" inputs of the lockers whose board has them. */
  items(): ReadonlyMap<string, boolean> {
    return this.itemMap;
  }

  /** Counters of frames read, thrown away and timed out (diagnostics). */
  lineStats() {
    return { ...this.link.stats };
  }

  /**
   * Boards that end every pulse themselves and hold no output on (CU16, 0x8A/0x80): nothing to
   * do. Relay boards: every board is told to switch every relay off (one try each; a board that
   * does not answer is logged, and told again before it is next read).
   */
  async allOff(): Promise<void> {
    const off = this.opts.protocol.allOff;
    if (!off || !this.lineOpen) return;
    for (const board of this.boards) {
      try {
        await off.call(this.opts.protocol, this.link, board.id, 0);
        board.outputsOff = true;
      } catch (e) {
        board.outputsOff = false;
        this.opts.log?.warn({ board: board.id, err: e }, `${this.kind} board ${board.id}: all-off not confirmed`);
      }
    }
  }

  /**
   * For the outputs-off tool, without starting the bank: open the line, tell every board to
   * switch every output off, close. Resolves with the boards that did not confirm it.
   */
  async switchOutputsOffOnly(): Promise<number[]> {
    const off = this.opts.protocol.allOff;
    if (!off) return [];
    await this.link.open();
    this.lineOpen = true;
    const failed: number[] = [];
    try {
      for (const board of this.boards) {
        try {
          await off.call(this.opts.protocol, this.link, board.id);
        } catch (e) {
          failed.push(board.id);
          this.opts.log?.warn({ board: board.id, err: e }, `${this.kind} board ${board.id}: all-off not confirmed`);
        }
      }
    } finally {
      this.lineOpen = false;
      await this.link.close();
    }
    return failed;
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.link.releaseHold();
      // Outputs to a safe state before the line closes.
      await this.allOff().catch(() => undefined);
      await this.link.close();
      await this.round?.catch(() => undefined);
      this.listener = null;
    })();
    return this.stopped;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.round = this.pollRound().finally(() => {
        this.round = null;
        this.schedule();
      });
    }, this.opts.pollMs);
  }

  private async pollRound(): Promise<void> {
    if (!this.lineOpen && !(await this.reopenLine())) return;
    let skipped = false;
    for (const board of this.boards) {
      if (this.stopped || !this.lineOpen) return;
      // An unlock is expected: leave the bus free (the others are read at the next tick), but
      // for a board with a door awaited to open.
      if (this.pollsHeld() && !this.holds.awaited(board.wires)) {
        skipped = true;
        continue;
      }
      if (!board.online && Date.now() < board.nextTryAt) continue;
      try {
        // An offline board gets one try per turn, so it holds up the other boards' polls as little as possible.
        const retries = board.online ? undefined : 0;
        if (this.opts.protocol.allOff && !board.outputsOff) {
          await this.opts.protocol.allOff(this.link, board.id, retries);
          board.outputsOff = true;
        }
        this.apply(board, await this.opts.protocol.read(this.link, board.id, retries));
      } catch (e) {
        if (this.stopped) return;
        if (isTimeout(e)) this.markOffline(board, e as Error);
        else if (e instanceof BoardRefusedError) this.markOffline(board, e, `${this.kind} board ${board.id} on ${this.opts.line.path}: ${e.message}`);
        else {
          // Not an unanswered question but the line itself failing (EIO on flush or write: the
          // adapter or pty went away without the port noticing): drop it and reopen with backoff.
          await this.dropLine(e instanceof Error ? e : new Error(String(e)));
          return;
        }
      }
    }
    if (!skipped) this.holds.wholeRound();
  }

  private apply(board: BoardState, reading: BoardReading): void {
    const changes: [string, DoorPosition][] = [];
    for (const w of board.wires) {
      const bit = reading.doorOpen[w.channel - 1];
      const pos: DoorPosition = bit === true ? "open" : bit === false ? "closed" : "unknown";
      const before = this.lastRead.get(w.lockerId);
      this.lastRead.set(w.lockerId, pos);
      this.positions.set(w.lockerId, pos);
      if (pos === "open") this.holds.opened(w.lockerId);
      if ((board.seen || this.started) && before !== pos) changes.push([w.lockerId, pos]);
      const item = reading.itemPresent?.[w.channel - 1];
      if (item !== undefined) this.itemMap.set(w.lockerId, item);
    }
    board.seen = true;
    this.lineFailures = 0; // the line works: a board answered
    if (!board.online) this.markOnline(board);
    for (const [id, pos] of changes) this.listener?.door(id, pos);
  }

  private markOffline(board: BoardState, err: Error, why?: string): void {
    board.failures++;
    board.nextTryAt = Date.now() + cappedDelay(board.failures + 1, { minMs: this.opts.pollMs, maxMs: this.opts.backoffMaxMs });
    if (!board.online) return;
    board.online = false;
    const ids = board.wires.map((w) => w.lockerId);
    for (const id of ids) {
      this.offlineSet.add(id);
      this.positions.set(id, "unknown");
      this.itemMap.delete(id);
    }
    const detail = why ?? `${this.kind} board ${board.id} is not answering on ${this.opts.line.path}: ${err.message}`;
    this.opts.log?.warn({ board: board.id, lockers: ids.length }, detail);
    this.listener?.health(ids, false, detail);
  }

  private markOnline(board: BoardState): void {
    board.online = true;
    board.failures = 0;
    const ids = board.wires.map((w) => w.lockerId);
    for (const id of ids) this.offlineSet.delete(id);
    const detail = `${this.kind} board ${board.id} answers again on ${this.opts.line.path}`;
    this.opts.log?.info({ board: board.id, lockers: ids.length }, detail);
    this.listener?.health(ids, true, detail);
  }

  /** The adapter went away (unplugged): every board is offline until the line reopens. */
  private onLineLost(err: Error | null): void {
    if (this.stopped) return;
    this.lineOpen = false;
    const e = err ?? new Error("closed");
    this.opts.log?.error({ err: e, path: this.opts.line.path }, "serial line lost; reopening with backoff");
    for (const b of this.boards) this.markOffline(b, e, `${this.kind} board ${b.id} unreachable: serial line ${this.opts.line.path} lost (${e.message})`);
  }

  private async dropLine(err: Error): Promise<void> {
    this.onLineLost(err);
    // Backed off like a failed open: a line that opens but fails at once must not spin.
    this.lineFailures++;
    this.lineRetryAt = Date.now() + cappedDelay(this.lineFailures + 1, { minMs: this.opts.pollMs, maxMs: this.opts.backoffMaxMs });
    await this.opts.line.close().catch(() => undefined);
  }

  private async reopenLine(): Promise<boolean> {
    if (Date.now() < this.lineRetryAt) return false;
    try {
      await this.link.open();
      this.lineOpen = true;
      for (const b of this.boards) {
        b.nextTryAt = 0;
        b.outputsOff = false;
      }
      // their outputs are not known off any more: nothing holds that news back
      if (this.opts.protocol.allOff) this.link.releaseHold();
      return true;
    } catch (e) {
      this.lineFailures++;
      this.lineRetryAt = Date.now() + cappedDelay(this.lineFailures + 1, { minMs: this.opts.pollMs, maxMs: this.opts.backoffMaxMs });
      this.opts.log?.warn({ err: e }, "serial line cannot be reopened");
      return false;
    }
  }

  private board(id: number): BoardState {
    return this.boards.find((b) => b.id === id)!;
  }
}

function isTimeout(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === "REPLY_TIMEOUT";
}
