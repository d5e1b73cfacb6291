/**
 * The fleet simulator's bank: its store compiles a statement at first use, with the settings its
 * caller gave before (raw rows), and the bank's outbox is the template's, its own copy.
 */
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { fleetBankContext, preparedWhenUsed, templateOutbox } from "../../bench/fleet/bank.js";

it("compiles a statement at its first use, keeping raw() given before, and refuses bad SQL then", () => {
  const db = preparedWhenUsed(new Database(":memory:"));
  db.exec(`CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y')`);
  const bad = db.prepare(`SELECT nope FROM t`);
  expect(() => bad.all()).toThrow(/no such column: nope/);
  const raw = db.prepare<[number], [number, string]>(`SELECT a, b FROM t WHERE a >= ? ORDER BY a`).raw(true);
  expect(raw.all(1)).toEqual([[1, "x"], [2, "y"]]);
  expect(db.prepare(`SELECT b FROM t WHERE a = ?`).pluck().get(2)).toBe("y");
  expect(db.prepare(`INSERT INTO t VALUES (?, ?)`).run(3, "z").changes).toBe(1);
  db.close();
});

it("gives each bank its own copy of the template outbox", () => {
  const template = templateOutbox(20);
  const a = fleetBankContext(template);
  const b = fleetBankContext(template);
  expect(a.store.outbox.stats().backlog).toBe(20);
  a.store.write(() => a.store.outbox.markSentInTransaction(1, 20, Date.now()));
  expect(a.store.outbox.stats().backlog).toBe(0);
  expect(b.store.outbox.stats().backlog).toBe(20);
  a.store.close();
  b.store.close();
});
