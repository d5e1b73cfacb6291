/** A second process for the two-process benchmark: runs N parcel cycles on the given database file. */
import { parcelCycle } from "../cases/allocation.js";
import { openBenchBank } from "./bank.js";
import { nowMs } from "./stats.js";

const [dbPath, count, offset] = process.argv.slice(2);
const bank = await openBenchBank(dbPath);
let busy = 0;
const t0 = nowMs();
for (let i = 0; i < Number(count); i++) {
  try {
    await parcelCycle(bank, Number(offset) + i);
  } catch (e) {
    // SQLITE_BUSY past the busy timeout is an answer ("try again"), not lost work.
    if ((e as { code?: string }).code === "STORAGE_BUSY") busy++;
    else throw e;
  }
}
process.stdout.write(JSON.stringify({ ms: nowMs() - t0, busy }) + "\n");
await bank.close();
