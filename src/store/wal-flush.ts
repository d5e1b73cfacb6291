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
 * Spacing: a flush starts at least `gapMs` (DEFAULT_FLUSH_GAP_MS) after the previous one ended, unless someone
 * waits urgently (a customer's pickup: its door). Under a flood of requests the card then
 * flushes at most every few ms, each flush carrying more commits, instead of back to back: fewer
 * flush commands for the card (each one may meet its garbage collection), and a customer's flush
 * rarely queues behind another one. Idle, nothing waits: the last flush is long over.
 *
 * Held for a customer: while a pickup is imminent (a whole code typed, a scan arriving; see
 * kiosk/pickup-hold.ts and compose/durable-doors.ts) no flush starts but an urgent one, so the
 * pickup's own flush finds the card free instead of queued behind a flush for someone else (in
 * the Pi profile under load that queue was most of the slowest pickups' time). Bounded: a
 * waiter is held back at most MAX_HELD_WAIT_MS in all, however holds follow one another. What
 * was committed meanwhile rides in the pickup's flush.
 *
 * A flush that fails (EIO: the card gave up) poisons the flusher: the pages it meant to write may
 * be gone from the cache, so no later flush can vouch for them. Every waiting and later
 * `durable()` rejects, and `onFailure` tells the daemon, which stops.
 */
import { statSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { LockerdError } from "../basics/errors.js";
import { span, spanStart } from "../system/trace.js";

/** Makes the named file's written data durable (the default: fdatasync on the thread pool). */
export type FileSync = (path: string, kind: "file" | "directory") => Promise<{ ino: number } | null>;

export interface FlusherOptions {
  /** How files are flushed (tests hand in a gate); default fdatasync on the thread pool (keptOpenSync). */
  sync?: FileSync;
  /** Least time between two flushes for waiters that are not urgent (default DEFAULT_FLUSH_GAP_MS). */
  gapMs?: number;
}

/**
 * Least time between flushes for waiters that are not urgent. Each flush is one more chance to
 * meet the card's garbage collection (a stall of 100 ms and more): 25 ms apart, a flood of
 * requests makes at most about 35 flushes a second instead of 125 at 5 ms. A courier's door or
 * an API answer waits that much longer, at most; a customer's pickup never does.
 */
export const DEFAULT_FLUSH_GAP_MS = 25;

/** The longest a waiter that is not urgent is held back by holds for a customer, in all. */
export const MAX_HELD_WAIT_MS = 1000;

interface Waiter {
  upTo: number;
  /** When it began waiting (performance.now()). */
  since: number;
  /** A customer's pickup: told first when its flush is done. */
  urgent: boolean;
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
  private kept: KeptOpenSync | null = null;
  private readonly gapMs: number;
  private lastFlushEnd = -Infinity;
  private urgent = false;
  private wake: (() => void) | null = null;
  /** Held for a customer's flush until then (performance.now()); 0: not held. */
  private heldUntil = 0;

  constructor(
    private readonly dbPath: string,
    opts: FlusherOptions = {},
  ) {
    if (opts.sync) this.sync = opts.sync;
    else {
      this.kept = keptOpenSync();
      this.sync = this.kept.sync;
    }
    this.gapMs = opts.gapMs ?? DEFAULT_FLUSH_GAP_MS;
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
      this.waiters.push({ upTo: this.committed, since: performance.now(), urgent: opts.urgent === true, resolve, reject });
      if (opts.urgent) {
        this.urgent = true;
        this.wake?.();
      }
      void this.flush();
    });
  }

  /** A customer's urgent flush is coming: start none other for up to ms (see the file's comment). */
  holdFor(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, performance.now() + ms);
  }

  /** The customer's flush came, or is not coming: flush the others again. */
  release(): void {
    if (this.heldUntil === 0) return;
    this.heldUntil = 0;
    this.wake?.();
  }

  /** Until the gap since the last flush has passed and no hold stands (bounded), or someone waits urgently. */
  private async spaced(): Promise<void> {
    for (;;) {
      if (this.urgent) return;
      const now = performance.now();
      const oldest = this.waiters[0]?.since ?? now;
      const held = Math.min(this.heldUntil, oldest + MAX_HELD_WAIT_MS);
      const wait = Math.max(this.lastFlushEnd + this.gapMs, held) - now;
      if (wait <= 0) return;
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
        const done: Waiter[] = [];
        while (this.waiters.length > 0 && this.waiters[0]!.upTo <= upTo) done.push(this.waiters.shift()!);
        // The customer's door first: what rode in the same flush (answers to send, other doors)
        // goes a turn later, once the pickup's unlock has been handed to the line.
        const urgent = done.filter((w) => w.urgent);
        for (const w of urgent) w.resolve();
        const others = done.filter((w) => !w.urgent);
        if (urgent.length > 0 && others.length > 0) setImmediate(() => others.forEach((w) => w.resolve()));
        else for (const w of others) w.resolve();
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

  /** Close the WAL file's kept descriptor (the store is closing). */
  close(): void {
    void this.kept?.close();
    this.kept = null;
  }

  private fail(e: unknown): void {
    const cause = e instanceof Error ? e.message : String(e);
    this.failure = new LockerdError("STORAGE_FAILED", `the bank's storage did not confirm a write (${cause}); nothing more is done until lockerd restarts`);
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    this.onFailure?.(this.failure);
  }
}

export interface KeptOpenSync {
  sync: FileSync;
  close(): Promise<void>;
}

/**
 * The default FileSync. A file (the WAL) is flushed through a descriptor kept open: one trip to
 * the thread pool a flush, after a stat of its path on the event loop to see whether the file was
 * replaced (then the new one is opened and flushed, and its new inode has the directory flushed).
 * Opening, flushing, stat-ing and closing it each time were four trips through the pool and the
 * event loop, each a wait for a core when the CPU is short (the Pi profile under load).
 * Directories are flushed through a descriptor of their own (rarely: a new WAL file).
 */
export function keptOpenSync(): KeptOpenSync {
  let kept: { path: string; handle: FileHandle; ino: number } | null = null;
  const close = async () => {
    const k = kept;
    kept = null;
    await k?.handle.close().catch(() => {});
  };
  const sync: FileSync = async (path, kind) => {
    if (kind === "directory") return syncFile(path, kind);
    if (kept && kept.path === path) {
      const k = kept;
      // Looked up in this turn: a stat of a hot, cached inode takes microseconds, and a second
      // trip to the pool beside the datasync was one more thread to wait for (both must return).
      const now = statOrNull(path);
      await k.handle.datasync();
      if (now && now.ino === k.ino) return { ino: k.ino };
      // replaced, or gone (checkpointed into the database, which was synced, and removed)
      await close();
      if (!now) return null;
    }
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (e) {
      return goneIsNull(e);
    }
    try {
      await handle.datasync();
      const ino = (await handle.stat()).ino;
      await close();
      kept = { path, handle, ino };
      return { ino };
    } catch (e) {
      await handle.close().catch(() => {});
      throw e;
    }
  };
  return { sync, close };
}

function statOrNull(path: string): { ino: number } | null {
  return statSync(path, { throwIfNoEntry: false }) ?? null;
}

function goneIsNull(e: unknown): null {
  if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
  throw e;
}

/** fdatasync (a file) or fsync (a directory) through a descriptor of its own; null if the file is gone. */
export async function syncFile(path: string, kind: "file" | "directory"): Promise<{ ino: number } | null> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    return goneIsNull(e);
  }
  try {
    if (kind === "directory") await handle.sync();
    else await handle.datasync();
    return { ino: (await handle.stat()).ino };
  } finally {
    await handle.close();
  }
}
