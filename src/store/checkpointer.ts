/**
 * Checkpoints off the event loop. With durability deferred (wal-flush.ts) the bank's connection
 * does not checkpoint itself (wal_autocheckpoint = 0): a checkpoint flushes the WAL and the
 * database file, two waits for the card that would hold every key and scan. A worker thread
 * with its own connection does them instead (checkpoint-worker.ts), started at the first need:
 *
 * - every `commitsPerCheckpoint` commits (256: a WAL of a few MB at a dozen 1 KiB pages a
 *   commit; SQLite's own automatic checkpoint waits for 1,000 pages), and once after the bank
 *   goes quiet (`quietMs` after its last commit). Only a flood of requests reaches the count: each checkpoint is two syncs, two
 *   more chances to meet the card's garbage collection, and pages written again and again (the
 *   lockers, the outbox's tail) are copied once a checkpoint, so fewer is better for both;
 * - `scrub()`: after codes were stripped, copy the WAL and truncate it, so no old frame holds
 *   them (it gives up at once if a reader, lockerctl, is in the way; the next scrub tries again).
 * - never while a customer's flush is held for (holdFor, see wal-flush.ts): a checkpoint syncs
 *   the WAL and the database file, and the pickup's flush would queue behind both. It is put off
 *   until the hold ends, MAX_CHECKPOINT_DELAY_MS at most.
 *
 * Copying needs no lock a writer waits for; the truncation takes the writer lock for a moment
 * (the bank's next commit then waits that moment, and never for a flush: the copy is done).
 */
import { Worker } from "node:worker_threads";
import { workerEntry } from "../system/worker-entry.js";

/** The longest a due checkpoint is put off for customers' holds, in all. */
export const MAX_CHECKPOINT_DELAY_MS = 2000;

type Answer = { id: number; ok: boolean; walEmpty?: boolean; error?: string };

export class Checkpointer {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly answers = new Map<number, (a: Answer) => void>();
  private sinceCheckpoint = 0;
  private checkpointing = false;
  private quietTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Held for a customer's flush until then (performance.now()). */
  private heldUntil = 0;
  /** Since when a due checkpoint has been put off (null: none is). */
  private putOffSince: number | null = null;
  private putOffTimer: NodeJS.Timeout | null = null;
  /** Checkpoints asked for and failed (logged by the caller's onError). */
  onError: ((e: Error) => void) | null = null;

  constructor(
    private readonly dbPath: string,
    private readonly commitsPerCheckpoint = 256,
    private readonly quietMs = 5000,
  ) {}

  /** A commit went into the WAL. */
  noteCommit(): void {
    this.sinceCheckpoint++;
    if (this.sinceCheckpoint >= this.commitsPerCheckpoint) void this.checkpoint();
    // quiet: quietMs without a commit (a bank serving a steady trickle checkpoints by the count)
    else if (this.quietTimer) this.quietTimer.refresh();
    else if (!this.closed) {
      this.quietTimer = setTimeout(() => {
        this.quietTimer = null;
        if (this.sinceCheckpoint > 0) void this.checkpoint();
      }, this.quietMs);
      this.quietTimer.unref();
    }
  }

  /** Copy the WAL into the database and truncate it; resolves whether the WAL is empty now. */
  async scrub(): Promise<boolean> {
    this.sinceCheckpoint = 0;
    const a = await this.ask("scrub");
    return a?.ok === true && a.walEmpty === true;
  }

  /** A customer's flush is coming: start no checkpoint for up to ms. */
  holdFor(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, performance.now() + ms);
  }

  /** The customer's flush came, or is not coming: a checkpoint put off runs now. */
  release(): void {
    this.heldUntil = 0;
    if (this.putOffTimer) {
      clearTimeout(this.putOffTimer);
      this.putOffTimer = null;
      void this.checkpoint();
    }
  }

  /** True when the checkpoint due now waits for a hold (and is set to run after it). */
  private putOff(): boolean {
    const now = performance.now();
    const since = this.putOffSince ?? now;
    const until = Math.min(this.heldUntil, since + MAX_CHECKPOINT_DELAY_MS);
    if (until <= now || this.closed) {
      this.putOffSince = null;
      return false;
    }
    this.putOffSince = since;
    if (this.putOffTimer) clearTimeout(this.putOffTimer);
    this.putOffTimer = setTimeout(() => {
      this.putOffTimer = null;
      void this.checkpoint();
    }, until - now);
    this.putOffTimer.unref();
    return true;
  }

  private async checkpoint(): Promise<void> {
    if (this.checkpointing || this.putOff()) return;
    this.checkpointing = true;
    this.sinceCheckpoint = 0;
    try {
      await this.ask("checkpoint");
    } finally {
      this.checkpointing = false;
    }
  }

  private ask(op: "checkpoint" | "scrub"): Promise<Answer | null> {
    if (this.closed) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.answers.set(id, (a) => {
        if (!a.ok) this.onError?.(new Error(`checkpoint failed: ${a.error}`));
        resolve(a);
      });
      this.start().postMessage({ op, id });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { entry, evalCode } = workerEntry(import.meta.url, "checkpoint-worker");
    const w = new Worker(entry, { eval: evalCode, workerData: { dbPath: this.dbPath } });
    w.on("message", (a: Answer) => {
      this.answers.get(a.id)?.(a);
      this.answers.delete(a.id);
    });
    const gone = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      for (const [id, answer] of [...this.answers]) answer({ id, ok: false, error: why });
      this.answers.clear();
    };
    w.on("error", (e) => gone(e.message));
    w.on("exit", (code) => gone(`checkpoint worker exited (${code})`));
    w.unref();
    this.worker = w;
    return w;
  }

  /** Stop the thread (it closes its connection after the checkpoint it may be doing). */
  close(): void {
    this.closed = true;
    if (this.quietTimer) clearTimeout(this.quietTimer);
    if (this.putOffTimer) clearTimeout(this.putOffTimer);
    this.putOffTimer = null;
    this.quietTimer = null;
    const w = this.worker;
    this.worker = null;
    w?.postMessage({ op: "close", id: 0 });
    for (const [id, answer] of [...this.answers]) answer({ id, ok: true, walEmpty: false });
    this.answers.clear();
  }
}
