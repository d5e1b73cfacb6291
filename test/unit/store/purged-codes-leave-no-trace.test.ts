/**
 * Issue 24 item 12: a pickup code removed from the outbox (central has it) must not stay
 * readable in the database file's free space or in old WAL frames. The test greps the bytes of
 * the database, its WAL and its shared-memory file for the plain code.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { SyncOutbox } from "../../../src/store/sync-outbox.js";
import { createTestBank, type TestBank } from "../../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

function filesHolding(dbPath: string, secret: string): string[] {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter((f) => existsSync(f) && readFileSync(f).includes(Buffer.from(secret)));
}

describe("a purged pickup code", () => {
  it("is in no byte of the database, its WAL or its shared memory once the outbox dropped it", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
    const a = await bank.assign("S", "TRACK-A");
    const b = await bank.assign("S", "TRACK-B");
    bank.deposit(a);
    // Before central has it, the code is in the outbox (that is its purpose).
    expect(filesHolding(bank.dbPath, a.pickupCode).length).toBeGreaterThan(0);
    const outbox = new SyncOutbox(bank.store.db);
    outbox.markSent(1, bank.store.events.lastSeq(), bank.clock.now());
    for (const code of [a.pickupCode, a.pickupToken, b.pickupCode, b.pickupToken]) expect(filesHolding(bank.dbPath, code)).toEqual([]);
    // The bank goes on working (and the WAL grows again) without bringing them back.
    bank.deposit(b);
    await bank.assign("S", "TRACK-C").catch(() => undefined);
    for (const code of [a.pickupCode, b.pickupCode]) expect(filesHolding(bank.dbPath, code)).toEqual([]);
  });
});
