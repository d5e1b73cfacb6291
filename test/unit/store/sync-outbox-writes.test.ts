/**
 * The outbox's writes belong to the store: marking sent and pruning go through Store.write (one
 * immediate transaction, full-disk handling, events published after commit), never straight
 * to the connection.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/store/database.js";
import { Store } from "../../../src/store/store.js";
import { recordAnyEvent } from "../../support/events.js";

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function storeWith(events: number): Store {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-outbox-writes-"));
  dirs.push(dir);
  const store = new Store(openDatabase(join(dir, "lockerd.db")));
  stores.push(store);
  store.write(() => {
    for (let i = 0; i < events; i++) recordAnyEvent(store, { type: "test.event", data: { i, pickupCode: "12345678" } }, 1000 + i);
  });
  return store;
}

describe("the outbox's writes", () => {
  it("a mark outside a store transaction is refused and changes nothing", () => {
    const store = storeWith(3);
    expect(() => store.outbox.markSentInTransaction(1, 3, 5000)).toThrow(/outside a store.write transaction/);
    expect(store.outbox.stats().backlog).toBe(3);
    expect(store.write(() => store.outbox.markSentInTransaction(1, 3, 5000))).toBe(3);
    expect(store.outbox.stats()).toMatchObject({ backlog: 0, lastSentSeq: 3 });
  });

  it("a full disk while marking sent goes through the store's full-disk handling", () => {
    const store = storeWith(3000);
    const db = store.db;
    const pages = () => db.pragma("page_count", { simple: true }) as number;
    let freed = 0;
    store.onFull = () => {
      freed++;
      db.pragma(`max_page_count = ${pages() + 10_000}`);
      return true;
    };
    // The file may not grow: setting sent_at on 3,000 rows needs more pages.
    db.pragma(`max_page_count = ${pages()}`);
    expect(store.outbox.markSent(1, 3000, 5000)).toBe(3000);
    expect(freed).toBe(1);
    expect(store.outbox.stats()).toMatchObject({ backlog: 0, lastSentSeq: 3000 });
  });
});

describe("redoable writes", () => {
  it("commit without a flush of their own, and every other write stays FULL", () => {
    const store = storeWith(10);
    const level = () => store.db.pragma("synchronous", { simple: true }) as number;
    const FULL = 2;
    const NORMAL = 1;
    expect(level()).toBe(FULL);
    let during: number | null = null;
    store.write(
      () => {
        during = level();
        store.outbox.markSentInTransaction(1, 5, 5000);
      },
      { redoable: true },
    );
    expect(during).toBe(NORMAL);
    expect(level()).toBe(FULL);
    // the outbox's own marks and prunes are redoable; a failing one still restores FULL
    expect(() => store.outbox.markSent(8, 9, 5000)).toThrow(/cannot mark events 8..9/);
    expect(level()).toBe(FULL);
    store.write(() => {
      during = level();
    });
    expect(during).toBe(FULL);
  });
});
