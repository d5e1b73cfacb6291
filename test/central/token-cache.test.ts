/**
 * lockerd-central remembers a token it found good for http.tokenCacheMs, and only a good one:
 * within that time no database round trip, after it the database again (so a revocation holds
 * by then); a made-up token is asked about every time and never remembered.
 */
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { createCentralAuth } from "../../src/central/service/auth.js";
import { hashToken } from "../../src/api/auth.js";

function fakePool(tokens: Map<string, { name: string; role: string }>) {
  const asked: string[] = [];
  const pool = {
    query: async (q: { values: [Buffer] }) => {
      const hex = q.values[0].toString("hex");
      asked.push(hex);
      const row = tokens.get(hex);
      return { rows: row ? [row] : [] };
    },
  };
  return { pool: pool as unknown as pg.Pool, asked };
}

describe("the operator token cache", () => {
  it("trusts a good token for cacheMs, then asks again and sees a revocation", async () => {
    const tokens = new Map([[hashToken("lkc_good"), { name: "ops", role: "viewer" }]]);
    const { pool, asked } = fakePool(tokens);
    let now = 1_000_000;
    const auth = createCentralAuth(pool, { cacheMs: 2_000, now: () => now });
    expect(await auth.identify("Bearer lkc_good")).toEqual({ name: "ops", role: "viewer" });
    now += 1_999;
    expect(await auth.identify("Bearer lkc_good")).toEqual({ name: "ops", role: "viewer" });
    expect(asked).toHaveLength(1);
    tokens.clear(); // revoked
    now += 2;
    expect(await auth.identify("Bearer lkc_good")).toBeNull();
    expect(asked).toHaveLength(2);
    expect(await auth.identify("Bearer lkc_good")).toBeNull();
    expect(asked).toHaveLength(3);
  });

  it("never remembers a token the database does not know", async () => {
    const { pool, asked } = fakePool(new Map());
    const auth = createCentralAuth(pool, { cacheMs: 60_000, now: () => 0 });
    for (let i = 0; i < 3; i++) expect(await auth.identify("Bearer lkc_madeup")).toBeNull();
    expect(asked).toHaveLength(3);
  });

  it("with cacheMs 0 asks the database on every request", async () => {
    const { pool, asked } = fakePool(new Map([[hashToken("lkc_good"), { name: "ops", role: "admin" }]]));
    const auth = createCentralAuth(pool, { cacheMs: 0 });
    await auth.identify("Bearer lkc_good");
    await auth.identify("Bearer lkc_good");
    expect(asked).toHaveLength(2);
  });
});
