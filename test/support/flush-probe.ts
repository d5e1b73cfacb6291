/**
 * Run under strace by test/system/flush-thread.test.ts: a store on an existing, migrated
 * database file, durability deferred; `commits` write transactions, then durable(). Prints
 * "pid <main thread id>", then "committed" and "durable" around the wait. Exits without closing
 * (closing checkpoints on this thread, which is not what is looked at).
 */
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";

const [path, commitsArg] = process.argv.slice(2);
const store = new Store(openDatabase(path!));
store.deferFlush({ path: path!, commitsPerCheckpoint: 32 });
process.stdout.write(`pid ${process.pid}\n`);
for (let i = 0; i < Number(commitsArg); i++) store.write(() => store.setMeta("probe", String(i)));
process.stdout.write("committed\n");
await store.durable();
// let the checkpoint thread finish what the commits asked of it
await new Promise((r) => setTimeout(r, 500));
process.stdout.write("durable\n");
process.exit(0);
