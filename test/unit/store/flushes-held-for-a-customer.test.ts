import { afterEach, describe, expect, it, vi } from "vitest";
import { Checkpointer, MAX_CHECKPOINT_DELAY_MS } from "../../../src/store/checkpointer.js";
import { MAX_HELD_WAIT_MS, WalFlusher, type FileSync } from "../../../src/store/wal-flush.js";

/** A FileSync that answers at once and counts its calls. */
function countingSync() {
  const calls: string[] = [];
  const sync: FileSync = (path) => {
    calls.push(path);
    return Promise.resolve({ ino: 1 });
  };
  return { sync, calls };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the card held for a customer's flush", () => {
  afterEach(() => vi.useRealTimers());

  it("starts no flush for others while held, and flushes them when the hold is released", async () => {
    const g = countingSync();
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 0 });
    f.holdFor(5_000);
    f.noteCommit();
    let done = false;
    void f.durable().then(() => (done = true));
    await sleep(100);
    expect(g.calls).toEqual([]);
    expect(done).toBe(false);
    f.release();
    await sleep(20);
    expect(g.calls.length).toBeGreaterThan(0);
    expect(done).toBe(true);
  });

  it("flushes an urgent waiter (the customer's pickup) at once, the others with it, and tells the customer first", async () => {
    const g = countingSync();
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 0 });
    f.holdFor(5_000);
    f.noteCommit();
    const order: string[] = [];
    const others = f.durable().then(() => order.push("an answer that rode along"));
    await sleep(50);
    expect(g.calls).toEqual([]);
    f.noteCommit();
    // the pickup's way to its door takes several hops (the supervisor, the line queue)
    await f.durable({ urgent: true }).then(async () => {
      for (let i = 0; i < 10; i++) await Promise.resolve();
      order.push("the customer's door");
    });
    await others;
    expect(g.calls).toEqual(["/data/lockerd.db-wal", "/data"]);
    expect(order).toEqual(["the customer's door", "an answer that rode along"]);
  });

  it("holds no waiter back longer than MAX_HELD_WAIT_MS, however long the holds", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const g = countingSync();
    const f = new WalFlusher("/data/lockerd.db", { sync: g.sync, gapMs: 0 });
    f.holdFor(60_000);
    f.noteCommit();
    let done = false;
    void f.durable().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(MAX_HELD_WAIT_MS - 50);
    f.holdFor(60_000); // another customer
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toBe(true);
  });

  it("puts a due checkpoint off while held, runs it on release, and never later than MAX_CHECKPOINT_DELAY_MS", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const cp = new Checkpointer("/data/lockerd.db", 2, 60_000);
    const asked: string[] = [];
    vi.spyOn(cp as unknown as { ask(op: string): Promise<null> }, "ask").mockImplementation((op: string) => {
      asked.push(op);
      return Promise.resolve(null);
    });
    cp.holdFor(5_000);
    cp.noteCommit();
    cp.noteCommit(); // due now
    await vi.advanceTimersByTimeAsync(100);
    expect(asked).toEqual([]);
    cp.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual(["checkpoint"]);

    // holds one after another put it off MAX_CHECKPOINT_DELAY_MS at most
    cp.holdFor(60_000);
    cp.noteCommit();
    cp.noteCommit();
    await vi.advanceTimersByTimeAsync(MAX_CHECKPOINT_DELAY_MS - 100);
    cp.holdFor(60_000);
    cp.noteCommit();
    cp.noteCommit();
    expect(asked).toEqual(["checkpoint"]);
    await vi.advanceTimersByTimeAsync(200);
    expect(asked).toEqual(["checkpoint", "checkpoint"]);
    cp.close();
  });
});
