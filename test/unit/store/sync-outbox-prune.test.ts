import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../../../src/store/database.js";
import { Store } from "../../../src/store/store.js";
import type { SyncOutbox } from "../../../src/store/sync-outbox.js";

let dir: string | null = null;
let db: Db | null = null;
afterEach(() => {
  db?.close();
  db = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** A log of n events; seqs 1..n. */
function logOf(n: number): { db: Db; outbox: SyncOutbox } {
  dir = mkdtempSync(join(tmpdir(), "lockerd-prune-"));
  db = openDatabase(join(dir, "lockerd.db"));
  db.prepare(
    `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
     INSERT INTO events (type, at, clock_synced, data) SELECT 'test.filler', i, 1, '{}' FROM k`,
  ).run(n);
  return { db, outbox: new Store(db).outbox };
}

const seqs = (d: Db) => d.prepare<[], { seq: number }>(`SELECT seq FROM events ORDER BY seq`).all().map((r) => r.seq);

describe("pruning the sent log", () => {
  it("removes the sent-long-ago prefix chunk by chunk and keeps recent and unsent events", () => {
    const { db, outbox } = logOf(2600);
    outbox.markSent(1, 2300, 1000); // sent long ago
    outbox.markSent(2301, 2500, 9000); // sent recently
    expect(outbox.pruneChunk(5000, 1000)).toBe(1000);
    expect(outbox.pruneChunk(5000, 1000)).toBe(1000);
    expect(outbox.pruneChunk(5000, 1000)).toBe(300); // fewer than a chunk: the prefix ended
    expect(outbox.pruneChunk(5000, 1000)).toBe(0);
    expect(seqs(db)).toEqual(Array.from({ length: 300 }, (_, i) => 2301 + i));
    expect(outbox.stats()).toMatchObject({ backlog: 100, lastSentSeq: 2500 });
  });

  it("looks only at the oldest events, not through the whole log", () => {
    const { db, outbox } = logOf(300);
    outbox.markSent(1, 100, 9000);
    outbox.markSent(101, 200, 1000); // (a clock set back) older sends behind newer ones
    expect(outbox.pruneChunk(5000, 100)).toBe(0);
    expect(seqs(db)).toHaveLength(300);
  });
});
