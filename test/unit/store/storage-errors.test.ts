import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { isLockerdError } from "../../../src/basics/errors.js";
import { openDatabase, translateSqliteError } from "../../../src/store/database.js";
import { Store } from "../../../src/store/store.js";
import { createTestBank, type TestBank } from "../../support/bank.js";
import { recordAnyEvent } from "../../support/events.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

describe("SQLite errors become answers", () => {
  it("translates SQLITE_BUSY and SQLITE_FULL codes and leaves others alone", () => {
    expect(translateSqliteError({ code: "SQLITE_BUSY" })).toMatchObject({ code: "STORAGE_BUSY" });
    expect(translateSqliteError({ code: "SQLITE_BUSY_SNAPSHOT" })).toMatchObject({ code: "STORAGE_BUSY" });
    expect(translateSqliteError({ code: "SQLITE_FULL" })).toMatchObject({ code: "STORAGE_FULL" });
    const other = new Error("x");
    expect(translateSqliteError(other)).toBe(other);
    expect(translateSqliteError(null)).toBe(null);
  });

  it("a write blocked by another process's lock past the busy timeout is STORAGE_BUSY, and changed nothing", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const impatient = new Store(openDatabase(bank.dbPath, { busyTimeoutMs: 50 }));
    const holder = new Database(bank.dbPath);
    try {
      holder.exec("BEGIN IMMEDIATE");
      const ctx = { ...bank.ctx, store: impatient };
      const { assignLocker } = await import("../../../src/bank/assign.js");
      const err = await assignLocker(ctx, { size: "S" }).catch((e: unknown) => e);
      expect(isLockerdError(err, "STORAGE_BUSY")).toBe(true);
      holder.exec("ROLLBACK");
      expect(impatient.parcels.find({})).toEqual([]);
      expect(impatient.events.lastSeq()).toBe(0);
      expect(impatient.lockers.get("A01")!.status).toBe("AVAILABLE");
      // Once the lock is gone the same request succeeds.
      await expect(assignLocker(ctx, { size: "S" })).resolves.toMatchObject({ lockerId: "A01" });
    } finally {
      if (holder.inTransaction) holder.exec("ROLLBACK");
      holder.close();
      impatient.close();
    }
  });

  it("a full disk is STORAGE_FULL and the transaction leaves nothing behind", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const db = bank.store.db;
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pages = db.pragma("page_count", { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const before = bank.store.events.lastSeq();
    const big = "x".repeat(64 * 1024);
    let err: unknown;
    try {
      bank.store.write(() => {
        for (let i = 0; i < 100; i++) recordAnyEvent(bank.store, { type: "test.big", data: { big } }, i);
      });
    } catch (e) {
      err = e;
    }
    expect(isLockerdError(err, "STORAGE_FULL")).toBe(true);
    expect(bank.store.events.lastSeq()).toBe(before);
    db.pragma(`max_page_count = 1073741823`);
    expect(bank.store.write(() => recordAnyEvent(bank.store, { type: "test.small" }, 0)).seq).toBeGreaterThan(before);
  });
});
