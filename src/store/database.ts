/**
 * Opening the bank's SQLite file with the durability settings a locker bank needs: WAL with
 * synchronous=FULL (NORMAL may roll back a commit on power loss, and a door that opened cannot
 * be un-opened), a busy timeout for the technician's tools, foreign keys, a bounded WAL file,
 * small pages (fewer bytes written to the SD card per commit).
 */
import Database from "better-sqlite3";
import { dirname } from "node:path";
import { LockerdError } from "../basics/errors.js";
import { MIGRATIONS } from "./migrations.js";
import { privateDir, privateFile, tighten } from "../system/private-files.js";

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  busyTimeoutMs?: number;
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  if (path !== ":memory:" && !opts.readonly) {
    // 0600 in a 0700 directory whatever the umask; SQLite gives the WAL and shared-memory
    // files it creates the database file's mode.
    privateDir(dirname(path));
    privateFile(path);
    tighten(`${path}-wal`);
    tighten(`${path}-shm`);
  }
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  busyTimeouts.set(db, opts.busyTimeoutMs ?? 5000);
  if (!opts.readonly) {
    // Deleted and overwritten content (a purged pickup code) is zeroed in the page, not left
    // readable in free space; scrubWal below drops the WAL frames that still hold it.
    db.pragma("secure_delete = ON");
    // Flash wear: a commit appends every page it changed to the WAL in full, about a dozen
    // pages for a parcel step. 1 KiB pages instead of 4 KiB write 2.6 times fewer bytes per
    // parcel (bench: flash_bytes_per_parcel) at no cost to durability. Takes effect only on a
    // new file (an existing database keeps its page size; this is then a no-op).
    db.pragma("page_size = 1024");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("journal_size_limit = 16777216");
  }
  db.pragma("foreign_keys = ON");
  if (!opts.readonly) migrate(db);
  return db;
}

/** Apply every migration not yet applied; returns how many ran. */
export function migrate(db: Db): number {
  const version = () => db.pragma("user_version", { simple: true }) as number;
  const refuseNewer = (current: number) => {
    if (current > MIGRATIONS.length) {
      throw new Error(
        `database schema version ${current} is newer than this lockerd (${MIGRATIONS.length}); refusing to run an older daemon on it`,
      );
    }
  };
  refuseNewer(version());
  let ran = 0;
  for (;;) {
    const applied = db
      .transaction(() => {
        // Read the version again under the write lock: another process opening the same file
        // (the CLI, a second daemon) may have applied this migration meanwhile.
        const v = version();
        refuseNewer(v);
        if (v >= MIGRATIONS.length) return false;
        db.exec(MIGRATIONS[v]!);
        db.pragma(`user_version = ${v + 1}`);
        return true;
      })
      .immediate();
    if (!applied) return ran;
    ran++;
  }
}

const busyTimeouts = new WeakMap<Db, number>();

/**
 * After plain secrets were removed (pickup codes stripped from the outbox): copy the WAL into
 * the database and truncate it to nothing, so no old frame still holds them. Never waits: with
 * a reader in the way (lockerctl) it gives up and the next removal tries again. Returns whether
 * the WAL is empty now.
 */
export function scrubWal(db: Db): boolean {
  if (db.inTransaction || db.readonly || db.memory) return false;
  db.pragma("busy_timeout = 0");
  try {
    const [r] = db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number; log: number }[];
    return r !== undefined && r.busy === 0 && r.log <= 0;
  } catch {
    return false;
  } finally {
    db.pragma(`busy_timeout = ${busyTimeouts.get(db) ?? 5000}`);
  }
}

/** PRAGMA quick_check: "ok" or the problems found. */
export function quickCheck(db: Db): string[] {
  const rows = db.pragma("quick_check") as { quick_check: string }[];
  return rows.map((r) => r.quick_check);
}

/** Run fn in one BEGIN IMMEDIATE transaction (every write in lockerd goes through here). */
export function writeTx<T>(db: Db, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (e) {
    throw translateSqliteError(e);
  }
}

/** A full disk or a lock held too long by another process is an answer, not a crash. */
export function translateSqliteError(e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "SQLITE_FULL") return new LockerdError("STORAGE_FULL", "the bank's storage is full; nothing was changed");
  if (code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT")
    return new LockerdError("STORAGE_BUSY", "the database is busy; nothing was changed, try again");
  return e;
}
