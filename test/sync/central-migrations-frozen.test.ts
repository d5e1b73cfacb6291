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
  // 2: lockerd-central: operator tokens; the notifier (pre-advice, messages, sealed codes)
  "539810b75de312ab63c401262cda050d85412cd746f52bb5e5f21900954c1adb",
  // 3: signed commands
  "faf1399bc8b179755ca0def894fa78966018414764d5c6427c474e0126e4669f",
  // 4: fleet views (bank status, locker counts, alarms)
  "bfeef78da04b3de6a50b4e8cb661bfa5058323be5e21d13c077043ba2d23dfe1",
  // 5: fleet scale (shared ingest role, bank keys, ingest_as, partitions, conflicts)
  "92b063c2315fb8aa98bd2f691f28d6537d4a2a0a6fb24d65bf41d0f855a9eee9",
  // 6: passes (issued passes, revocations and their keyed pull, returns, return confirmations)
  "359398bcfb03a04ecaf2009b23f91378a4463564f19f251662dcb4795d969fe5",
  // 7: door truth (alarm rules for cut sensors, jams and low health; the bank's health summary)
  "f4532014ce0ff6f309759a8888e2a0840f4b9af50c5594879b3ec5786d6a805f",
  // 8: availability copy (count_lockers notifies lockerd_free_counts)
  "b7e5758c64af67f28fa26deb85a7eb62ba23f6a534fda28470521763b95bda4e",
  // 9: deferred projection (batches landed, then projected by the projector)
  "638f7e191b1241bd57dddcd56941dec20a1a28ec95733c6306f0334d68490869",
  // 10: reachable-door hints of the pre-advice, pulled by each bank with its key
  "f620d62e0911d6c7bac4c2e4ca5ee7cbe23b3055a981b632f73f1da64f028d70",
  // 11: an operator clears an alarm (alarm ids, who cleared it and why, the log of clears)
  "33f15c7a924ea7b275259dbca1c2480bf23b9374cb01005d2eb5c084217a35ad",
  // 12: every opening of an alarm kept (an old id answers 409); a lockout that ran out clears its alarm
  "8252f65220372f90d70862bfcf45a150f3d99852f6f13c8383a54e7439a1bd75",
  // 13: a lockout clear that names sources still alarmed keeps pickup_lockout open; alarm_openings pruned by age
  "bcbdfc383eb437245f314532274829576ffdb539031a003c62b5207b3d93e86c",
];

it("no released central migration has been edited", () => {
  expect(CENTRAL_MIGRATIONS.length).toBeGreaterThanOrEqual(RELEASED.length);
  const hashes = CENTRAL_MIGRATIONS.slice(0, RELEASED.length).map((sql) => createHash("sha256").update(sql).digest("hex"));
  hashes.forEach((h, i) => expect(h, `central migration ${i + 1} was edited after release: add a new migration instead`).toBe(RELEASED[i]));
});
