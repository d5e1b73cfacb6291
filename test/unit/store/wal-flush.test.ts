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
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 0 });
    await f.durable();
    expect(g.calls).toEqual([]);
  });

  it("flushes the WAL file, and the directory the first time it sees that file", async () => {
    const g = gatedSync();
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 0 });
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
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 0 });
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
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 0 });
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
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 0 });
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
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 0 });
    const b = f.barrier();
    await tick();
    expect(g.calls).toHaveLength(1);
    g.calls[0]!.release();
    await tick();
    g.calls[1]!.release();
    await b;
  });

  it("a missing WAL file (checkpointed and removed) counts as flushed", async () => {
    const f = new WalFlusher("/data/lockerd.db", { sync: () => Promise.resolve(null) });
    f.noteCommit();
    await f.durable();
    expect(f.pending).toBe(0);
  });

  it("spaces flushes nobody waits for urgently by the gap; a customer's urgent wait does not wait it out", async () => {
    const g = gatedSync();
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 150 });
    f.noteCommit();
    const first = f.durable();
    await tick();
    g.calls[0]!.release();
    await tick();
    g.calls[1]!.release(); // the directory
    await first;
    // a request's commit right after: its flush waits for the gap
    f.noteCommit();
    const asked = performance.now();
    const spaced = f.durable();
    await new Promise((r) => setTimeout(r, 40));
    expect(g.calls).toHaveLength(2);
    // a pickup's commit meanwhile: flushed now, carrying the request's commit too
    f.noteCommit();
    const urgent = f.durable({ urgent: true });
    await tick();
    expect(g.calls).toHaveLength(3);
    expect(performance.now() - asked).toBeLessThan(150);
    g.calls[2]!.release();
    await Promise.all([spaced, urgent]);
    expect(f.flushes).toBe(2);
    // and with nobody urgent, the gap is kept
    f.noteCommit();
    const t0 = performance.now();
    const later = f.durable();
    while (g.calls.length < 4) await new Promise((r) => setTimeout(r, 5));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
    g.calls[3]!.release();
    await later;
  });
});
