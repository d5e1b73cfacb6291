import { describe, expect, it } from "vitest";
import { isLockerdError } from "../../../src/basics/errors.js";
import { WalFlusher, type FileSync } from "../../../src/store/wal-flush.js";

/** A FileSync the test releases by hand: each call waits for release(). */
function gatedSync(ino = 7) {
  const calls: { path: string; kind: string; release(fail?: Error): void }[] = [];
  const sync: FileSync = (path, kind) =>
    new Promise((resolve, reject) => {
      calls.push({ path, kind, release: (fail) => (fail ? reject(fail) : resolve({ ino })) });
    });
  return { sync, calls, setIno: (n: number) => (ino = n) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("the WAL flusher (durability off the event loop)", () => {
  it("resolves at once, without touching the disk, when nothing was committed since the last flush", async () => {
    const g = gatedSync();
    const f = new WalFlusher("/data/lockerd.db", g.sync);
    await f.durable();
    expect(g.calls).toEqual([]);
  });

  it("flushes the WAL file, and the directory the first time it sees that file", async () => {
    const g = gatedSync();
    const f = new WalFlusher("/data/lockerd.db", g.sync);
    f.noteCommit();
    const done = f.durable();
    await tick();
    expect(g.calls.map((c) => [c.path, c.kind])).toEqual([["/data/lockerd.db-wal", "file"]]);
    g.calls[0]!.release();
    await tick();
    expect(g.calls.map((c) => [c.path, c.kind])[1]).toEqual(["/data", "directory"]);
    g.calls[1]!.release();
    await done;
    // the same WAL file again: no directory flush
    f.noteCommit();
    const again = f.durable();
    await tick();
    g.calls[2]!.release();
    await again;
    expect(g.calls).toHaveLength(3);
    // a new WAL file (another inode): its name is flushed too
    g.setIno(8);
    f.noteCommit();
    const renewed = f.durable();
    await tick();
    g.calls[3]!.release();
    await tick();
    expect(g.calls[4]?.kind).toBe("directory");
    g.calls[4]!.release();
    await renewed;
  });

  it("carries every commit made during a flush in the next one (group commit), in order", async () => {
    const g = gatedSync();
    const f = new WalFlusher("/data/lockerd.db", g.sync);
    f.noteCommit();
    const order: string[] = [];
    const first = f.durable().then(() => order.push("first"));
    await tick();
    g.calls[0]!.release(); // the WAL
    await tick();
    g.calls[1]!.release(); // the directory (first sight)
    // while the first is settling, three more commits, each waited for
    f.noteCommit();
    const second = f.durable().then(() => order.push("second"));
    f.noteCommit();
    f.noteCommit();
    const third = f.durable().then(() => order.push("third"));
    await first;
    expect(order).toEqual(["first"]);
    await tick();
    expect(g.calls).toHaveLength(3);
    g.calls[2]!.release();
    await Promise.all([second, third]);
    expect(order).toEqual(["first", "second", "third"]);
    // one flush carried the last three commits
    expect(f.flushes).toBe(2);
    expect(f.carried).toBe(4);
    expect(f.pending).toBe(0);
  });

  it("does not resolve a waiter with a flush that started before its commit", async () => {
    const g = gatedSync();
    const f = new WalFlusher("/data/lockerd.db", g.sync);
    f.noteCommit();
    const early = f.durable();
    await tick();
    // a commit lands while the flush is with the disk: its frames may not be in it
    f.noteCommit();
    let lateDone = false;
    const late = f.durable().then(() => (lateDone = true));
    g.calls[0]!.release();
    await tick();
    g.calls[1]!.release();
    await early;
    await tick();
    expect(lateDone).toBe(false);
    g.calls[2]!.release();
    await late;
  });

  it("a failed flush fails its waiters and every later durable(), tells the owner once, and flushes no more", async () => {
    const g = gatedSync();
    const f = new WalFlusher("/data/lockerd.db", g.sync);
    const told: Error[] = [];
    f.onFailure = (e) => told.push(e);
    f.noteCommit();
    const waiting = f.durable();
    await tick();
    g.calls[0]!.release(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
    const err = await waiting.catch((e: unknown) => e);
    expect(isLockerdError(err, "STORAGE_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/EIO/);
    f.noteCommit();
    await expect(f.durable()).rejects.toMatchObject({ code: "STORAGE_FAILED" });
    await expect(f.barrier()).rejects.toMatchObject({ code: "STORAGE_FAILED" });
    expect(told).toHaveLength(1);
    expect(g.calls).toHaveLength(1);
  });

  it("barrier() flushes what another thread wrote (the sync worker's reads), even with no commit noted here", async () => {
    const g = gatedSync();
    const f = new WalFlusher("/data/lockerd.db", g.sync);
    const b = f.barrier();
    await tick();
    expect(g.calls).toHaveLength(1);
    g.calls[0]!.release();
    await tick();
    g.calls[1]!.release();
    await b;
  });

  it("a missing WAL file (checkpointed and removed) counts as flushed", async () => {
    const f = new WalFlusher("/data/lockerd.db", () => Promise.resolve(null));
    f.noteCommit();
    await f.durable();
    expect(f.pending).toBe(0);
  });
});
