/**
 * A file sync of the deferred flush (store/wal-flush.ts syncFile: open, fdatasync, close) with a
 * hand on it: real fdatasync, held back while the test says so, as a card that takes its time.
 * Lets a test see what waits for a commit to be on disk and what does not.
 */
import { type FileSync, syncFile } from "../../src/store/wal-flush.js";

export interface SlowCard {
  sync: FileSync;
  /** From now on every flush waits for release(). */
  hold(): void;
  /** Let the waiting flushes (and later ones) through. */
  release(): void;
  /** Flushes waiting now. */
  waiting(): number;
}

export function slowCard(): SlowCard {
  let held: (() => void)[] | null = null;
  const sync: FileSync = async (path, kind) => {
    if (held) await new Promise<void>((resolve) => held!.push(resolve));
    return syncFile(path, kind);
  };
  return {
    sync,
    hold: () => {
      held = [];
    },
    release: () => {
      const waiting = held ?? [];
      held = null;
      for (const go of waiting) go();
    },
    waiting: () => held?.length ?? 0,
  };
}
