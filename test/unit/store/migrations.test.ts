import Database from "better-sqlite3";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, openDatabase, quickCheck } from "../../../src/store/database.js";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { tempDir } from "../../support/bank.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("create the schema on a new file, record the version, and run once", () => {
    dir = tempDir();
    const path = join(dir, "sub", "bank.db");
    const db = openDatabase(path);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(2); // FULL
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
    const tables = db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all().map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(["door_intents", "events", "lockers", "meta", "parcels"]));
    expect(quickCheck(db)).toEqual(["ok"]);
    expect(migrate(db)).toBe(0);
    db.close();
    const again = openDatabase(path);
    expect(again.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    again.close();
  });

  it("refuse to open a database from a newer lockerd", () => {
    dir = tempDir();
    const path = join(dir, "bank.db");
    openDatabase(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(/newer than this lockerd/);
  });

  it("enforce one parcel per locker and one live parcel per code in the database itself", () => {
    dir = tempDir();
    const db = openDatabase(join(dir, "bank.db"));
    db.prepare(`INSERT INTO lockers (id, size, size_rank, position, status, updated_at) VALUES ('A01','S',0,0,'AVAILABLE',0)`).run();
    const insert = db.prepare(
      `INSERT INTO parcels (id, size, locker_id, status, in_locker, code_hash, created_at, expires_at) VALUES (?, 'S', 'A01', 'ASSIGNED', ?, ?, 0, 1)`,
    );
    insert.run("p1", 1, Buffer.from("h1"));
    expect(() => insert.run("p2", 1, Buffer.from("h2"))).toThrow(/UNIQUE/);
    expect(() => insert.run("p3", 0, Buffer.from("h1"))).toThrow(/UNIQUE/);
    insert.run("p4", 0, null);
    const orphan = db.prepare(`INSERT INTO parcels (id, size, locker_id, status, in_locker, created_at, expires_at) VALUES ('p6','S','Z99','ASSIGNED',0,0,1)`);
    expect(() => orphan.run()).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
