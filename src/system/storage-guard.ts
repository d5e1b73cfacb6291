/**
 * A full disk must not stop customers getting their parcels. The guard keeps a ballast file
 * beside the database; when a write fails with SQLITE_FULL it deletes the ballast (freeing room
 * for pickups and alarms), pauses new assignments, and raises an alarm. When free space returns
 * it puts the ballast back and resumes assignments.
 */
import { closeSync, fsyncSync, openSync, statfsSync, unlinkSync, writeSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "./logger.js";

export interface StorageEvents {
  full(): void;
  recovered(freeBytes: number): void;
}

export class StorageGuard {
  private paused = false;
  readonly ballastPath: string;

  constructor(
    dataDir: string,
    private readonly ballastBytes: number,
    private readonly log: Logger,
    private readonly events: StorageEvents,
  ) {
    this.ballastPath = join(dataDir, "ballast");
  }

  assignmentsPaused(): boolean {
    return this.paused;
  }

  freeBytes(): number {
    const s = statfsSync(this.ballastPath.replace(/\/ballast$/, ""));
    return s.bavail * s.bsize;
  }

  /** Create the ballast if it is missing and there is room for it twice over. */
  ensureBallast(): boolean {
    if (this.ballastBytes === 0 || existsSync(this.ballastPath)) return true;
    if (this.freeBytes() < 2 * this.ballastBytes) return false;
    const fd = openSync(this.ballastPath, "w", 0o600);
    try {
      const chunk = Buffer.alloc(Math.min(this.ballastBytes, 1 << 20));
      for (let left = this.ballastBytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      unlinkSync(this.ballastPath);
      this.log.warn({ err: e }, "could not create the storage ballast");
      return false;
    } finally {
      try {
        closeSync(fd);
      } catch {
        /* already closed after a failed write */
      }
    }
    return true;
  }

  /**
   * A write hit SQLITE_FULL: free the ballast so the write can be retried, and pause
   * assignments. Returns whether room was freed (the caller retries once).
   */
  onFull(): boolean {
    const first = !this.paused;
    this.paused = true;
    let freed = false;
    if (existsSync(this.ballastPath)) {
      unlinkSync(this.ballastPath);
      freed = true;
    }
    if (first) {
      this.log.error({ ballastReleased: freed }, "storage is full: new assignments are paused, pickups go on");
      if (freed) this.events.full();
    }
    return freed;
  }

  /** Periodic: when space has returned, restore the ballast and resume assignments. */
  check(): void {
    if (!this.paused) return;
    if (this.freeBytes() < 3 * Math.max(this.ballastBytes, 1 << 20)) return;
    if (!this.ensureBallast()) return;
    this.paused = false;
    const free = this.freeBytes();
    this.log.info({ freeBytes: free }, "storage has room again: assignments resume");
    this.events.recovered(free);
  }
}
