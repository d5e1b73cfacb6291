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

  constructor(
    private readonly dbPath: string,
    private readonly sync: FileSync = syncFile,
  ) {}

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

  /** Resolves once every commit made before this call is durable. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.flushed >= this.committed) return resolved;
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ upTo: this.committed, resolve, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.waiters.length > 0 && !this.failure) {
        const upTo = this.committed;
        const start = spanStart();
        try {
          await this.syncWal();
          span("flush", start, upTo - this.flushed);
        } catch (e) {
          this.fail(e);
          return;
        }
        this.flushes++;
        this.carried += upTo - this.flushed;
        this.flushed = upTo;
        const done = this.waiters.filter((w) => w.upTo <= upTo);
        for (const w of done) this.waiters.splice(this.waiters.indexOf(w), 1);
        for (const w of done) w.resolve();
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
async function syncFile(path: string, kind: "file" | "directory"): Promise<{ ino: number } | null> {
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
