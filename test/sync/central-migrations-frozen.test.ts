/**
 * Released central migrations never change: a database that already ran version N would never
 * see the edit. Every migration below the count here is held by its SHA-256; a change to the
 * schema is a new migration file (src/central/migrations/index.ts). When a release adds
 * migrations, append their hashes here.
 */
import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { CENTRAL_MIGRATIONS } from "../../src/central/migrations/index.js";

const RELEASED: readonly string[] = [
  // 1: initial schema (events, projections, commands, ingest)
  "f3e5f4b59f9dda7e664f2b75eec739131785649a81dc54942cddfb6a309aa5fe",
];

it("no released central migration has been edited", () => {
  expect(CENTRAL_MIGRATIONS.length).toBeGreaterThanOrEqual(RELEASED.length);
  const hashes = CENTRAL_MIGRATIONS.slice(0, RELEASED.length).map((sql) => createHash("sha256").update(sql).digest("hex"));
  hashes.forEach((h, i) => expect(h, `central migration ${i + 1} was edited after release: add a new migration instead`).toBe(RELEASED[i]));
});
