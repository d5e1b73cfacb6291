/**
 * Files that hold codes or state (the database and its WAL and shared memory, backups, the code
 * secret) are created 0600 inside a 0700 directory, whatever the process umask or systemd's
 * UMask: modes are set with chmod after creating, not left to the umask.
 */
import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync, statSync } from "node:fs";

/**
 * Make `dir` (and missing parents) with mode 0700. The directory itself is tightened to 0700
 * when lockerd owns it; a shared one such as /tmp (sticky) or one owned by someone else is
 * left alone: give lockerd a directory of its own.
 */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  const mine = typeof process.getuid !== "function" || st.uid === process.getuid();
  const shared = (st.mode & 0o1000) !== 0;
  if (mine && !shared && (st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/** Create `path` empty with mode 0600 if it does not exist; an existing one of ours is made 0600. */
export function privateFile(path: string, opts: { exclusive?: boolean } = {}): void {
  if (existsSync(path) && !opts.exclusive) {
    tighten(path);
    return;
  }
  const fd = openSync(path, opts.exclusive ? "wx" : "a", 0o600);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/** An existing file of ours that others could read is made 0600. */
export function tighten(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  const mine = typeof process.getuid !== "function" || st.uid === process.getuid();
  if (mine && (st.mode & 0o077) !== 0) chmodSync(path, st.mode & 0o700 & ~0o100);
}
