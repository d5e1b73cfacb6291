/**
 * Seen by the kernel: with durability deferred, the event loop's thread makes no fsync or
 * fdatasync at all, however many commits; the WAL is flushed with fdatasync by another thread
 * (libuv's pool), and checkpoints flush from the checkpoint thread.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";

const dir = mkdtempSync(join(tmpdir(), "lockerd-flush-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("no flush on the event loop's thread; the WAL's fdatasync comes from another thread", () => {
  const db = join(dir, "lockerd.db");
  openDatabase(db).close(); // created and migrated here, not in the probe
  const trace = join(dir, "strace.txt");
  const probe = spawnSync(
    "strace",
    ["-f", "-y", "-qq", "-e", "trace=fsync,fdatasync", "-o", trace, process.execPath, "--import", "tsx", join(import.meta.dirname, "../support/flush-probe.ts"), db, "100"],
    { encoding: "utf8", timeout: 60_000 },
  );
  expect(probe.status, probe.stderr).toBe(0);
  expect(probe.stdout).toContain("durable");
  const main = Number(/^pid (\d+)$/m.exec(probe.stdout)![1]);
  const calls = readFileSync(trace, "utf8")
    .split("\n")
    .map((l) => /^(\d+)\s+(fsync|fdatasync)\((\d+)<([^>]*)>\)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ tid: Number(m[1]), call: m[2]!, path: m[4]! }));
  expect(calls.filter((c) => c.tid === main)).toEqual([]);
  // the WAL flushed by fdatasync, off the main thread
  expect(calls.some((c) => c.call === "fdatasync" && c.path === `${db}-wal`)).toBe(true);
  // 100 commits, 32 a checkpoint: the checkpoint thread flushed the database file itself
  expect(calls.some((c) => c.path === db)).toBe(true);
});
