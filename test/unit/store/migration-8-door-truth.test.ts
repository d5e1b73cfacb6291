/**
 * Bank migration 8 (door truth) on a database written by a lockerd before it: the door intents
 * already there keep their rows with no outcome, a locker's health starts at zero, and the
 * outcome column refuses anything but the four outcomes.
 */
import Database from "better-sqlite3";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { openDatabase } from "../../../src/store/database.js";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { Store } from "../../../src/store/store.js";
import { tempDir } from "../../support/bank.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("migration 8 upgrades a database of schema 6 with its intents, and the outcome column takes only the four outcomes", () => {
  dir = tempDir();
  const path = join(dir, "bank.db");
  const old = new Database(path);
  for (const sql of MIGRATIONS.slice(0, 6)) old.exec(sql);
  old.pragma("user_version = 6");
  old.prepare(`INSERT INTO lockers (id, size, size_rank, position, status, updated_at) VALUES ('A01', 'S', 0, 0, 'AVAILABLE', 1)`).run();
  old.prepare(`INSERT INTO door_intents (locker_id, purpose, state, created_at, finished_at) VALUES ('A01', 'technician', 'closed', 1, 2)`).run();
  old.close();

  const store = new Store(openDatabase(path));
  try {
    expect(store.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(store.intents.get(1)).toMatchObject({ lockerId: "A01", state: "closed" });
    expect(store.health.outcomes("A01")).toEqual([]);
    expect(store.health.get("A01")).toMatchObject({ cycles: 0, failedOpens: 0, jams: 0, sensorFlaps: 0, boardErrors: 0 });
    store.write(() => store.health.setOutcome(1, "opened", "acknowledged"));
    expect(store.health.outcomes("A01")).toEqual([{ intentId: 1, purpose: "technician", outcome: "opened", boardAnswer: "acknowledged", at: 2 }]);
    expect(() => store.db.prepare(`UPDATE door_intents SET outcome = 'maybe' WHERE id = 1`).run()).toThrow(/CHECK constraint failed/);
  } finally {
    store.close();
  }
});
