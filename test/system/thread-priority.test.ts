/** The daemon's background threads (checkpoints here) run below the event loop's priority. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { BACKGROUND_NICE_STEP } from "../../src/system/thread-priority.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { tempDir } from "../support/bank.js";

/** nice of each thread of this process (field 19 of /proc/self/task/<tid>/stat). */
function threadNices(): number[] {
  return readdirSync("/proc/self/task").map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

let store: Store | null = null;
afterEach(() => store?.close());

it("the checkpoint thread lowers its own priority, and only its own", async () => {
  const base = threadNices()[0]!;
  const expected = Math.min(19, base + BACKGROUND_NICE_STEP);
  const before = threadNices().filter((n) => n === expected).length;
  const path = join(tempDir(), "lockerd.db");
  store = new Store(openDatabase(path));
  store.deferFlush({ path });
  store.write(() => store!.setMeta("k", "v"));
  await store.scrub(); // starts the checkpoint thread
  const after = threadNices();
  // (a process already at nice 19, as a niced test run, has no lower priority to go to)
  expect(after.filter((n) => n === expected).length).toBe(expected === base ? after.length : before + 1);
  // the main thread keeps its priority
  expect(after[0]).toBe(base);
});
