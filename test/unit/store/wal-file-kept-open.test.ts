import { createHook } from "node:async_hooks";
import { mkdtempSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { keptOpenSync } from "../../../src/store/wal-flush.js";

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** Descriptors this process holds open on path. */
function openOn(path: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return statSync(`/proc/self/fd/${fd}`).ino === statSync(path).ino;
    } catch {
      return false;
    }
  }).length;
}

it("flushes the WAL file through one descriptor kept open, and follows the file when it is replaced or gone", async () => {
  dir = mkdtempSync(join(tmpdir(), "lockerd-kept-"));
  const wal = join(dir, "lockerd.db-wal");
  writeFileSync(wal, "frames");
  const kept = keptOpenSync();
  const first = await kept.sync(wal, "file");
  expect(first).toEqual({ ino: statSync(wal).ino });
  await kept.sync(wal, "file");
  await kept.sync(wal, "file");
  expect(openOn(wal)).toBe(1);

  // replaced by a new file (a new inode): the new one is flushed and reported
  writeFileSync(join(dir, "new"), "other frames");
  renameSync(join(dir, "new"), wal);
  const second = await kept.sync(wal, "file");
  expect(second).toEqual({ ino: statSync(wal).ino });
  expect(second!.ino).not.toBe(first!.ino);
  expect(openOn(wal)).toBe(1);

  // gone (checkpointed and removed): null, and nothing left open on it
  unlinkSync(wal);
  expect(await kept.sync(wal, "file")).toBeNull();
  writeFileSync(wal, "frames again");
  expect(await kept.sync(wal, "file")).toEqual({ ino: statSync(wal).ino });
  await kept.close();
  expect(openOn(wal)).toBe(0);
});

it("a missing WAL file is no error (nothing to flush)", async () => {
  dir = mkdtempSync(join(tmpdir(), "lockerd-kept-"));
  const kept = keptOpenSync();
  expect(await kept.sync(join(dir, "none-wal"), "file")).toBeNull();
  expect(await kept.sync(dir, "directory")).toEqual({ ino: statSync(dir).ino });
});

it("a flush of the kept file is one trip to the thread pool (the stat of its path is not another)", async () => {
  dir = mkdtempSync(join(tmpdir(), "lockerd-kept-"));
  const wal = join(dir, "lockerd.db-wal");
  writeFileSync(wal, "frames");
  const kept = keptOpenSync();
  await kept.sync(wal, "file"); // opens it
  const trips: string[] = [];
  const hook = createHook({ init: (_id, type) => void (type.startsWith("FSREQ") && trips.push(type)) }).enable();
  try {
    await kept.sync(wal, "file");
  } finally {
    hook.disable();
  }
  expect(trips).toHaveLength(1);
  await kept.close();
});
