/**
 * The sending half of upward sync: read the unsent events in seq order, send them to the
 * central database in batches, each one central transaction, and say which batch committed.
 * It never writes the bank's database: the sync loop marks what was committed through the
 * store, so the store stays the single writer.
 *
 * Two of them: LinkUplink reads and sends in this thread (tests hand it any CentralLink); the
 * daemon uses WorkerUplink (worker-uplink.ts), which runs a LinkUplink in a worker thread with
 * its own read-only SQLite connection, so reading a batch, building its JSON and the
 * PostgreSQL protocol work never hold the event loop where keypresses wait.
 */
import type { OutboxEvent, OutboxReader } from "../store/sync-outbox.js";
import type { AdviceHintRow, BankStatusReport, CentralCommand, CentralLink, PassRevocation } from "./central-link.js";

/** One batch the central database committed. */
export interface PushedBatch {
  first: number;
  last: number;
  count: number;
  /** The highest seq the central database says it holds from the batch. */
  ack: number;
}

export interface PushHooks {
  stopped(): boolean;
  /** The central database committed this batch (checks, crash points, test hooks). */
  committed(batch: PushedBatch): Promise<void> | void;
}

export interface Uplink {
  /**
   * Send every unsent event after `afterSeq`, in batches of up to `batchSize`, in seq order.
   * Once the central database committed a batch, `committed` runs (a failure there ends it all
   * before anything more is sent), then the next batch goes out and the committed one is
   * yielded: the server works on the next while the caller marks. Stops early when `stopped()`
   * says so or the caller stops iterating; rejects with the first failure.
   */
  push(bankId: string, afterSeq: number, batchSize: number, hooks: PushHooks): AsyncGenerator<PushedBatch, void, undefined>;
  pullCommands(bankId: string, limit: number): Promise<CentralCommand[]>;
  /** Report the bank's own status (absent: a link that cannot, as some test links). */
  reportStatus?(bankId: string, status: BankStatusReport): Promise<void>;
  /** Pass revocations after `afterId` (see CentralLink; absent: a link that cannot). */
  pullPassRevocations?(bankId: string, afterId: number, limit: number): Promise<PassRevocation[]>;
  /** Pre-advice hints after `afterId` (see CentralLink; absent: a link that cannot). */
  pullAdviceHints?(bankId: string, afterId: number, limit: number): Promise<AdviceHintRow[]>;
  /** The card held for a customer (Store.holdFlushes): an uplink that flushes on its own (the worker's) holds too. */
  holdFlushes?(ms: number): void;
  releaseFlushes?(): void;
  close(): Promise<void>;
}

export interface LinkUplinkOptions {
  /**
   * Rows read in one synchronous step; between steps the thread's event loop is free. In the
   * daemon's main thread a read of thousands of rows would hold a keypress for tens of ms.
   */
  readSlice?: number;
  /**
   * Before a batch goes out: everything read so far is on disk (the store's durable(), or the
   * worker's own flush of the WAL). A batch the center holds must never be lost by the bank, or
   * its seqs would be reused for other events after a power cut.
   */
  beforeSend?: () => Promise<void>;
}

/** Reads through `reader` and sends through `link`, in the calling thread. */
export class LinkUplink implements Uplink {
  private readonly readSlice: number;
  private readonly beforeSend: () => Promise<void>;

  constructor(
    private readonly link: CentralLink,
    private readonly reader: OutboxReader,
    opts: LinkUplinkOptions = {},
  ) {
    this.readSlice = opts.readSlice ?? 500;
    this.beforeSend = opts.beforeSend ?? (() => Promise.resolve());
  }

  /**
   * Pipelined: while the central database works on one batch, the next one is read (and, once
   * the first committed, sent before the first is yielded).
   */
  async *push(bankId: string, afterSeq: number, size: number, hooks: PushHooks): AsyncGenerator<PushedBatch, void, undefined> {
    const stopped = () => hooks.stopped();
    let batch = await this.readBatch(afterSeq, size, stopped);
    if (batch.length === 0 || stopped()) return;
    let pushing = settle(this.send(bankId, batch));
    // a short batch was the whole backlog
    let next = batch.length === size ? await this.readAhead(pushing, batch[batch.length - 1]!.seq, size, stopped) : [];
    for (;;) {
      const pushed = await pushing;
      if (!pushed.ok) throw pushed.error;
      const done: PushedBatch = { first: batch[0]!.seq, last: batch[batch.length - 1]!.seq, count: batch.length, ack: pushed.value };
      await hooks.committed(done);
      const nextPushing = next.length > 0 && !stopped() ? settle(this.send(bankId, next)) : null;
      yield done;
      if (!nextPushing) return;
      batch = next;
      pushing = nextPushing;
      next = batch.length === size ? await this.readAhead(pushing, batch[batch.length - 1]!.seq, size, stopped) : [];
    }
  }

  private async send(bankId: string, batch: OutboxEvent[]): Promise<number> {
    await this.beforeSend();
    return this.link.pushBatch(bankId, batch);
  }

  pullCommands(bankId: string, limit: number): Promise<CentralCommand[]> {
    return this.link.pullCommands(bankId, limit);
  }

  get reportStatus(): Uplink["reportStatus"] {
    const link = this.link;
    return link.reportStatus ? (bankId, status) => link.reportStatus!(bankId, status) : undefined;
  }

  get pullPassRevocations(): Uplink["pullPassRevocations"] {
    const link = this.link;
    return link.pullPassRevocations ? (bankId, afterId, limit) => link.pullPassRevocations!(bankId, afterId, limit) : undefined;
  }

  get pullAdviceHints(): Uplink["pullAdviceHints"] {
    const link = this.link;
    return link.pullAdviceHints ? (bankId, afterId, limit) => link.pullAdviceHints!(bankId, afterId, limit) : undefined;
  }

  close(): Promise<void> {
    return this.link.close();
  }

  /** Read the batch after `afterSeq` while a push is in flight; a read failure reports the push's first. */
  private async readAhead(pushing: Promise<Settled<number>>, afterSeq: number, size: number, stopped: () => boolean): Promise<OutboxEvent[]> {
    try {
      return await this.readBatch(afterSeq, size, stopped);
    } catch (e) {
      const pushed = await pushing;
      if (!pushed.ok) throw pushed.error;
      throw e;
    }
  }

  /** The unsent events after `afterSeq`, up to a batch, in slices (seqs only grow, so slices join up without gaps). */
  private async readBatch(afterSeq: number, size: number, stopped: () => boolean): Promise<OutboxEvent[]> {
    const batch: OutboxEvent[] = [];
    let after = afterSeq;
    while (batch.length < size && !stopped()) {
      if (batch.length > 0) await nextTurn();
      const want = Math.min(this.readSlice, size - batch.length);
      const slice = this.reader.unsentAfter(after, want);
      for (const e of slice) batch.push(e);
      if (slice.length < want) break;
      after = slice[slice.length - 1]!.seq;
    }
    return batch;
  }
}

/** Let I/O callbacks (keypad reports, HTTP requests) run before going on. */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that never rejects, so two can be awaited together and their failures ranked. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
