/**
 * Issue 24 item 12: the plain pickup code is never written to the bank's files (only its keyed
 * hash), and the sealed codes removed from the outbox (central has them) do not stay readable in
 * the database file's free space or in old WAL frames. The test greps the bytes of the
 * database, its WAL and its shared-memory file.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createSealer, generateSealingKeyPair, type SealedCodes } from "../../../src/system/sealed-codes.js";
import { createTestBank, type TestBank } from "../../support/bank.js";

let bank: TestBank;
afterEach(async () => bank?.dispose());

function filesHolding(dbPath: string, secret: string): string[] {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter((f) => existsSync(f) && readFileSync(f).includes(Buffer.from(secret)));
}

describe("a purged pickup code", () => {
  it("is in no byte of the database, its WAL or its shared memory once the outbox dropped it", async () => {
    const sealer = createSealer([generateSealingKeyPair().publicKey]);
    const sealed: SealedCodes[] = [];
    bank = await createTestBank({
      lockers: [["A01", "S"], ["A02", "S"]],
      sealCodes: (parcelId, codes) => {
        const s = sealer.seal("test-bank", parcelId, codes);
        sealed.push(s);
        return s;
      },
    });
    const a = await bank.assign("S", "TRACK-A");
    const b = await bank.assign("S", "TRACK-B");
    bank.deposit(a);
    const ciphertexts = () => sealed.map((s) => s.r[0]!.c);
    // The plain codes are in no file; the sealed ones are in the outbox until central has them.
    for (const code of [a.pickupCode, a.pickupToken, b.pickupCode, b.pickupToken]) expect(filesHolding(bank.dbPath, code)).toEqual([]);
    expect(filesHolding(bank.dbPath, ciphertexts()[0]!).length).toBeGreaterThan(0);
    const outbox = bank.store.outbox;
    outbox.markSent(1, bank.store.events.lastSeq(), bank.clock.now());
    // the checkpoint thread copies the WAL and truncates it
    expect(await bank.store.scrubbed()).toBe(true);
    for (const c of ciphertexts()) expect(filesHolding(bank.dbPath, c)).toEqual([]);
    // The bank goes on working (and the WAL grows again) without bringing them back.
    bank.deposit(b);
    await bank.assign("S", "TRACK-C").catch(() => undefined);
    for (const c of ciphertexts().slice(0, 2)) expect(filesHolding(bank.dbPath, c)).toEqual([]);
    for (const code of [a.pickupCode, b.pickupCode]) expect(filesHolding(bank.dbPath, code)).toEqual([]);
  });
});
