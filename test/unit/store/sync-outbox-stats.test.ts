/**
 * SyncOutbox.stats() derives the backlog from seq bounds instead of counting (see the proof in
 * src/store/sync-outbox.ts). Here it is held against a full count of the table after every step
 * of random histories: appends, rolled-back writes, batches marked in slices (a crash part-way
 * leaves the rest unmarked), refused out-of-order marks, prunes and restarts.
 */
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../../../src/store/database.js";
import { Store } from "../../../src/store/store.js";
import type { SyncOutbox, OutboxStats } from "../../../src/store/sync-outbox.js";
import { recordAnyEvent } from "../../support/events.js";

const dirs: string[] = [];
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A bank's database file, reopened on restart() as the daemon would after a crash or a reboot. */
class Bank {
  private readonly path: string;
  db!: Db;
  store!: Store;
  outbox!: SyncOutbox;
  now = 1_000;
  /** The highest seq ever marked sent (pruning does not lower it): what lastSentSeq must say. */
  highestMarked = 0;

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), "lockerd-outbox-stats-"));
    dirs.push(dir);
    this.path = join(dir, "lockerd.db");
    this.restart();
  }

  restart(): void {
    if (this.db?.open) this.db.close();
    this.db = openDatabase(this.path);
    open.push(this.db);
    this.store = new Store(this.db);
    this.outbox = this.store.outbox;
  }

  append(n: number): void {
    this.store.write(() => {
      for (let i = 0; i < n; i++) recordAnyEvent(this.store, { type: "test.event", data: { i } }, this.now++);
    });
  }

  appendRolledBack(n: number): void {
    expect(() =>
      this.store.write(() => {
        for (let i = 0; i < n; i++) recordAnyEvent(this.store, { type: "test.event" }, this.now++);
        throw new Error("rolled back");
      }),
    ).toThrow("rolled back");
  }

  /** What the sync loop does: read the next batch, mark it slice by slice; a crash stops after `slices` of them. */
  send(batch: number, slice: number, crashAfterSlices: number | null): void {
    const events = this.outbox.unsent(batch);
    for (let i = 0, done = 0; i < events.length; i += slice, done++) {
      if (crashAfterSlices !== null && done >= crashAfterSlices) return;
      const last = events[Math.min(i + slice, events.length) - 1]!.seq;
      this.outbox.markSent(events[i]!.seq, last, this.now++);
      this.highestMarked = Math.max(this.highestMarked, last);
    }
  }

  /** The figures by brute force: a full count of the table. */
  truth(): OutboxStats {
    const c = this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM events WHERE sent_at IS NULL`).get()!;
    const first = this.db.prepare<[], { at: number }>(`SELECT at FROM events WHERE sent_at IS NULL ORDER BY seq LIMIT 1`).get();
    return { backlog: c.n, oldestUnsentAt: first?.at ?? null, lastSentSeq: this.highestMarked };
  }

  unsentSeqs(): number[] {
    return this.db.prepare<[], { seq: number }>(`SELECT seq FROM events WHERE sent_at IS NULL ORDER BY seq`).all().map((r) => r.seq);
  }
}

type Step =
  | { op: "append"; n: number }
  | { op: "rollback"; n: number }
  | { op: "send"; batch: number; slice: number; crashAfter: number | null }
  | { op: "markOutOfOrder"; skip: number }
  | { op: "prune"; age: number; chunk: number }
  | { op: "restart" };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("append" as const), n: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("rollback" as const), n: fc.integer({ min: 1, max: 5 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("send" as const),
      batch: fc.integer({ min: 1, max: 60 }),
      slice: fc.integer({ min: 1, max: 20 }),
      crashAfter: fc.option(fc.integer({ min: 0, max: 3 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("markOutOfOrder" as const), skip: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("prune" as const), age: fc.integer({ min: 0, max: 200 }), chunk: fc.integer({ min: 1, max: 50 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: "restart" as const }) },
);

function run(b: Bank, s: Step): void {
  switch (s.op) {
    case "append":
      return b.append(s.n);
    case "rollback":
      return b.appendRolledBack(s.n);
    case "send":
      return b.send(s.batch, s.slice, s.crashAfter);
    case "markOutOfOrder": {
      // Marking past the first unsent event would leave a hole in the run: refused, nothing changes.
      const unsent = b.unsentSeqs();
      if (unsent.length <= s.skip) return;
      expect(() => b.outbox.markSent(unsent[s.skip]!, unsent.at(-1)!, b.now)).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
      expect(b.unsentSeqs()).toEqual(unsent);
      return;
    }
    case "prune":
      while (b.outbox.pruneChunk(b.now - s.age, s.chunk) === s.chunk);
      return;
    case "restart":
      return b.restart();
  }
}

describe("the outbox's figures", () => {
  it("match a full count after every step of random sends, partial marks, prunes, rollbacks and restarts", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const b = new Bank();
        try {
          expect(b.outbox.stats()).toEqual({ backlog: 0, oldestUnsentAt: null, lastSentSeq: 0 });
          for (const s of steps) {
            run(b, s);
            expect(b.outbox.stats()).toEqual(b.truth());
          }
        } finally {
          b.db.close();
        }
      }),
      { numRuns: Number(process.env.LOCKERD_PROPERTY_RUNS ?? 40) },
    );
  });

  it("after a send, a crash mid-mark, a restart, more events and pruning everything sent", () => {
    const b = new Bank();
    b.append(100); // seqs 1..100, at 1000..1099
    expect(b.outbox.stats()).toEqual({ backlog: 100, oldestUnsentAt: 1000, lastSentSeq: 0 });
    b.send(30, 10, null); // 1..30 sent
    expect(b.outbox.stats()).toEqual({ backlog: 70, oldestUnsentAt: 1030, lastSentSeq: 30 });
    b.send(40, 10, 2); // 31..50 marked, then the process dies
    b.restart();
    expect(b.outbox.stats()).toEqual({ backlog: 50, oldestUnsentAt: 1050, lastSentSeq: 50 });
    b.append(5); // 101..105
    expect(b.outbox.stats()).toEqual({ backlog: 55, oldestUnsentAt: 1050, lastSentSeq: 50 });
    b.send(1000, 7, null);
    expect(b.outbox.stats()).toEqual({ backlog: 0, oldestUnsentAt: null, lastSentSeq: 105 });
    // Everything sent is pruned: the central database still holds up to 105.
    while (b.outbox.pruneChunk(b.now + 1, 40) === 40);
    expect(b.db.prepare(`SELECT count(*) AS n FROM events`).pluck().get()).toBe(0);
    b.restart();
    expect(b.outbox.stats()).toEqual({ backlog: 0, oldestUnsentAt: null, lastSentSeq: 105 });
    b.append(3); // 106..108: numbers are never reused
    expect(b.outbox.stats()).toEqual({ backlog: 3, oldestUnsentAt: b.now - 3, lastSentSeq: 105 });
    expect(b.outbox.stats()).toEqual(b.truth());
  });

  it("refuses to mark a range that starts after an unsent event", () => {
    const b = new Bank();
    b.append(10);
    expect(() => b.outbox.markSent(3, 10, b.now)).toThrow(/cannot mark events 3..10 sent while 1 before them is not/);
    expect(b.outbox.stats()).toMatchObject({ backlog: 10, lastSentSeq: 0 });
    // An acknowledgement again for what is already marked is harmless.
    expect(b.outbox.markSent(1, 4, b.now)).toBe(4);
    expect(b.outbox.markSent(1, 4, b.now)).toBe(0);
    expect(b.outbox.markSent(2, 6, b.now)).toBe(2);
    expect(b.outbox.stats()).toEqual({ backlog: 4, oldestUnsentAt: 1006, lastSentSeq: 6 });
  });
});
