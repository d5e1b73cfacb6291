/**
 * Durability off the event loop (group commit). The bank's connection commits with
 * synchronous=OFF (see Store.deferFlush): a commit appends its frames to the WAL file and
 * returns without waiting for the disk. This flusher then makes them durable with fdatasync on the WAL file, on libuv's
 * thread pool, while the event loop goes on reading keys and scans. One flush at a time; every
 * commit made while a flush runs is carried by the next one, so a burst of commits costs one or
 * two flushes, not one each.
 *
 * The rule it serves: nothing leaves the process before the commit it shows is durable. A door
 * is unlocked, an HTTP answer or live event is sent, a batch goes to the center only after
 * `durable()` (see compose/bank.ts, api/durable-answers.ts, sync/uplink.ts). A power cut before
 * the flush loses the commit, and nobody outside ever saw it.
 *
 * Why fdatasync of the WAL file is enough: in WAL mode a commit is durable once its frames (and
 * the WAL's header) are on disk, which is what synchronous=FULL syncs at every commit; the
 * checkpoint thread's connection (synchronous=NORMAL) syncs the WAL before each checkpoint and
 * the database file after it, so frames copied by a checkpoint were durable first. The directory is synced too whenever the WAL file is new (created or
 * replaced), so its name survives a power cut.
 *
 * Spacing: a flush starts at least `gapMs` (5 ms) after the previous one ended, unless someone
 * waits urgently (a customer's pickup: its door). Under a flood of requests the card then
 * flushes at most every few ms, each flush carrying more commits, instead of back to back: fewer
 * flush commands for the card (each one may meet its garbage collection), and a customer's flush
 * rarely queues behind another one. Idle, nothing waits: the last flush is long over.
 *
 * A flush that fails (EIO: the card gave up) poisons the flusher: the pages it meant to write may
 * be gone from the cache, so no later flush can vouch for them. Every waiting and later
 * `durable()` rejects, and `onFailure` tells the daemon, which stops.
 */
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { LockerdError } from "../basics/errors.js";
import { span, spanStart } from "../system/trace.js";

/** Makes the named file's written data durable (the default: fdatasync on the thread pool). */
export type FileSync = (path: string, kind: "file" | "directory") => Promise<{ ino: number } | null>;

export interface FlusherOptions {
  /** How files are flushed (tests hand in a gate); default fdatasync on the thread pool. */
  sync?: FileSync;
  /** Least time between two flushes for waiters that are not urgent (default 5 ms). */
  gapMs?: number;
}

interface Waiter {
  upTo: number;
  resolve(): void;
  reject(e: unknown): void;
}

const resolved: Promise<void> = Promise.resolve();

export class WalFlusher {
  private committed = 0;
  private flushed = 0;
  private flushing = false;
  private readonly waiters: Waiter[] = [];
  private failure: Error | null = null;
  private walIno: number | null = null;
  /** Flushes run, and commits they carried (metrics, the benchmark). */
  flushes = 0;
  carried = 0;

  /** Told once, when a flush fails (the daemon stops). */
  onFailure: ((e: Error) => void) | null = null;

  private readonly sync: FileSync;
  private readonly gapMs: number;
  private lastFlushEnd = -Infinity;
  private urgent = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly dbPath: string,
    opts: FlusherOptions = {},
  ) {
    this.sync = opts.sync ?? syncFile;
    this.gapMs = opts.gapMs ?? 5;
  }

  /** A write transaction committed (its frames are in the WAL, maybe not yet on disk). */
  noteCommit(): void {
    this.committed++;
  }

  /** Resolves once everything written to the WAL before this call is durable (another thread's commits too). */
  barrier(): Promise<void> {
    this.committed++;
    return this.durable();
  }

  /** Commits not yet known durable. */
  get pending(): number {
    return this.committed - this.flushed;
  }

  /** Resolves once every commit made before this call is durable; `urgent`: without waiting out the gap. */
  durable(opts: { urgent?: boolean } = {}): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.flushed >= this.committed) return resolved;
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ upTo: this.committed, resolve, reject });
      if (opts.urgent) {
        this.urgent = true;
        this.wake?.();
      }
      void this.flush();
    });
  }

  /** Until the gap since the last flush has passed, or someone waits urgently. */
  private async spaced(): Promise<void> {
    const wait = this.lastFlushEnd + this.gapMs - performance.now();
    if (wait <= 0 || this.urgent) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, wait);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.waiters.length > 0 && !this.failure) {
        await this.spaced();
        this.urgent = false;
        const upTo = this.committed;
        const start = spanStart();
        try {
          await this.syncWal();
          span("flush", start, upTo - this.flushed);
        } catch (e) {
          this.fail(e);
          return;
        } finally {
          this.lastFlushEnd = performance.now();
        }
        this.flushes++;
        this.carried += upTo - this.flushed;
        this.flushed = upTo;
        // Waiters join with `committed`, which only rises, so the ones this flush carried are a prefix.
        while (this.waiters.length > 0 && this.waiters[0]!.upTo <= upTo) this.waiters.shift()!.resolve();
      }
    } finally {
      this.flushing = false;
    }
  }

  private async syncWal(): Promise<void> {
    const wal = await this.sync(`${this.dbPath}-wal`, "file");
    // No WAL file: SQLite checkpointed it into the database (synced) and removed it.
    if (wal === null) return;
    if (wal.ino !== this.walIno) {
      await this.sync(dirname(this.dbPath), "directory");
      this.walIno = wal.ino;
    }
  }

  private fail(e: unknown): void {
    const cause = e instanceof Error ? e.message : String(e);
    this.failure = new LockerdError("STORAGE_FAILED", `the bank's storage did not confirm a write (${cause}); nothing more is done until lockerd restarts`);
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    this.onFailure?.(this.failure);
  }
}

/** fdatasync (a file) or fsync (a directory) through a descriptor of its own; null if the file is gone. */
export async function syncFile(path: string, kind: "file" | "directory"): Promise<{ ino: number } | null> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    if (kind === "directory") await handle.sync();
    else await handle.datasync();
    return { ino: (await handle.stat()).ino };
  } finally {
    await handle.close();
  }
}
