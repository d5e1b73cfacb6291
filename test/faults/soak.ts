/** `npm run soak -- --minutes 10`: the load test for longer, printing each slice. */
import { parseArgs } from "node:util";
import { checkInvariants } from "./invariants.js";
import { runLoad } from "./load-driver.js";

const { values } = parseArgs({ options: { minutes: { type: "string", default: "5" }, clients: { type: "string", default: "4" } } });
const seconds = Number(values.minutes) * 60;
const slices = Math.max(4, Math.round(seconds / 30));
const report = await runLoad({ seconds, clients: Number(values.clients), slices });
for (const [i, s] of report.slices.entries()) process.stdout.write(`slice ${i + 1}/${slices}: ${s.requests} requests, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, rss ${s.rssMiB} MiB\n`);
const problems = checkInvariants(report.dbPath).problems;
process.stdout.write(`${report.requests} requests, ${report.cycles} parcel cycles, ${report.serverErrors} server errors, ${report.rejected} rejected; invariants: ${problems.length ? problems.join("; ") : "ok"}\n`);
report.cleanup();
process.exit(report.serverErrors === 0 && problems.length === 0 ? 0 : 1);
