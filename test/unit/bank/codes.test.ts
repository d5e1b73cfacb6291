import * as crypto from "node:crypto";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CodeBook } from "../../../src/bank/codes.js";
import { pickupByCode } from "../../../src/bank/pickup.js";
import { cancelAssignment } from "../../../src/bank/service.js";
import { createTestBank, TEST_SECRET, type TestBank } from "../../support/bank.js";
import { scriptedRandom, SeededRandom } from "../../support/random.js";

vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof crypto>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

let bank: TestBank | undefined;
afterEach(async () => {
  await bank?.dispose();
  bank = undefined;
});

describe("pickup codes", () => {
  it("have exactly the configured number of digits, 6 to 12, leading zeros kept", () => {
    for (const digits of [6, 7, 8, 9, 10, 11, 12]) {
      const book = new CodeBook(TEST_SECRET, digits);
      const random = new SeededRandom(digits);
      for (let i = 0; i < 200; i++) expect(book.generate(random)).toMatch(new RegExp(`^[0-9]{${digits}}$`));
      expect(book.generate(scriptedRandom([0]))).toBe("0".repeat(digits));
      expect(book.generate(scriptedRandom([42]))).toBe("42".padStart(digits, "0"));
      expect(book.generate(scriptedRandom([10 ** digits - 1]))).toBe("9".repeat(digits));
    }
    expect(() => new CodeBook(TEST_SECRET, 5)).toThrow(/6-12/);
    expect(() => new CodeBook(TEST_SECRET, 13)).toThrow(/6-12/);
    expect(() => new CodeBook(Buffer.alloc(16), 8)).toThrow(/32 bytes/);
  });

  it("are hashed with the secret: another secret gives another hash", () => {
    const a = new CodeBook(TEST_SECRET, 8);
    const b = new CodeBook(Buffer.alloc(32, 1), 8);
    expect(a.hash("01234567")).toEqual(a.hash("01234567"));
    expect(a.hash("01234567")).not.toEqual(b.hash("01234567"));
    expect(a.hash("01234567")).not.toEqual(a.hash("1234567"));
    expect(a.isWellFormed("01234567")).toBe(true);
    expect(a.isWellFormed("1234567")).toBe(false);
    expect(a.isWellFormed("1234567a")).toBe(false);
  });

  it("keep leading zeros through assign and pickup", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"]], random: scriptedRandom([123]) });
    const a = await bank.assign("S");
    expect(a.pickupCode).toBe("00000123");
    bank.deposit(a);
    await expect(pickupByCode(bank.ctx, "123", { channel: "http" })).rejects.toMatchObject({ code: "INVALID_CODE" });
    await expect(pickupByCode(bank.ctx, "00000123", { channel: "http" })).resolves.toMatchObject({ lockerId: "A01" });
  });

  it("are stored only as a keyed hash: without sealing for the center, the plain code is nowhere in the database file", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]] });
    const a = await bank.assign("S");
    const row = bank.store.parcels.get(a.parcelId)!;
    expect(row.codeHash).toEqual(new CodeBook(TEST_SECRET, 8).hash(a.pickupCode));

    // Checkpoint the WAL so every byte is in the main file, then look for the code's digits.
    bank.store.db.pragma("wal_checkpoint(TRUNCATE)");
    const bytes = readFileSync(bank.dbPath);
    expect(countOccurrences(bytes, Buffer.from(a.pickupCode))).toBe(0);
    expect(countOccurrences(bytes, Buffer.from(a.pickupToken))).toBe(0);
    const data = bank.store.events.query({ type: "parcel.assigned" })[0]!.data;
    expect(data.pickupCode).toBeUndefined();
    expect(data.pickupToken).toBeUndefined();
    expect(data.sealedCodes).toBeUndefined();
  });

  it("are unique among live parcels: a colliding draw is replaced", async () => {
    // The random source offers 555 twice: the second parcel must get the next draw instead.
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], random: scriptedRandom([555, 555, 777]) });
    const a = await bank.assign("S");
    const b = await bank.assign("S");
    expect(a.pickupCode).toBe("00000555");
    expect(b.pickupCode).toBe("00000777");
  });

  it("may be reused once the earlier parcel's code is dead", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], random: scriptedRandom([555, 555]) });
    const a = await bank.assign("S");
    bank.clock.advance(31_000); // deposit door never opened: reservation returned, code dropped
    expect(bank.store.parcels.get(a.parcelId)!.codeHash).toBeNull();
    const b = await bank.assign("S");
    expect(b.pickupCode).toBe(a.pickupCode);
    expect(() => cancelAssignment(bank!.ctx, a.parcelId)).toThrow(/CANCELLED/);
  });

  it("give up with a clear error when the code space is exhausted", async () => {
    bank = await createTestBank({ lockers: [["A01", "S"], ["A02", "S"]], random: scriptedRandom(Array(60).fill(9)) });
    await bank.assign("S");
    await expect(bank.assign("S")).rejects.toMatchObject({ code: "INTERNAL", message: /longer codes/ });
    expect(bank.store.lockers.get("A02")!.status).toBe("AVAILABLE");
  });

  it("are compared in constant time", async () => {
    const tse = vi.mocked(crypto.timingSafeEqual);
    tse.mockClear();
    const book = new CodeBook(TEST_SECRET, 8);
    const stored = book.hash("12345678");
    expect(book.matches("12345678", stored)).toBe(true);
    expect(book.matches("12345679", stored)).toBe(false);
    expect(tse).toHaveBeenCalledTimes(2);

    bank = await createTestBank({ lockers: [["A01", "S"]] });
    const a = await bank.assign("S");
    bank.deposit(a);
    tse.mockClear();
    await pickupByCode(bank.ctx, a.pickupCode, { channel: "http" });
    expect(tse).toHaveBeenCalled();
  });
});

function countOccurrences(hay: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) n++;
  return n;
}
