import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/pg.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

it("the test command reaches a PostgreSQL of its own", async () => {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const r = await c.query<{ db: string }>("SELECT current_database() AS db");
  await c.end();
  expect(r.rows[0]!.db).toBe(db.name);
});
