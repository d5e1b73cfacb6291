/**
 * `npm run fleet-sim -- [--banks 1000,5000] [--events 500] [--window 60] [--pool 8] [--json]`:
 * the reconnection storm (bench/fleet/storm.ts) for each fleet size in turn, each on a fresh
 * private PostgreSQL and PgBouncer. Prints one line of figures per size.
 */
import { parseArgs } from "node:util";
import { runStorm } from "./fleet/storm.js";

const { values } = parseArgs({
  options: {
    banks: { type: "string", default: "1000,5000" },
    events: { type: "string", default: "500" },
    window: { type: "string", default: "60" },
    pool: { type: "string", default: "8" },
    "max-open": { type: "string", default: "15000" },
    timeout: { type: "string", default: "1800" },
    json: { type: "boolean", default: false },
  },
});
const log = (l: string) => process.stderr.write(l + "\n");
for (const banks of values.banks.split(",").map(Number)) {
  log(`fleet of ${banks} banks, ${values.events} events each, back within ${values.window} s, pool ${values.pool}:`);
  const r = await runStorm({
    banks,
    eventsPerBank: Number(values.events),
    windowS: Number(values.window),
    pool: Number(values.pool),
    maxOpen: Number(values["max-open"]),
    timeoutS: Number(values.timeout),
    log,
  });
  if (values.json) process.stdout.write(JSON.stringify(r) + "\n");
  else process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
process.exit(0); // banks cut off by --timeout leave timers behind
