/**
 * `npm run fleet-sim -- [--banks 1000,5000] [--events 500] [--window 60] [--pool 8]
 * [--max-open 10000] [--hosts 2] [--queue-wait 120] [--projectors 2] [--inline-slots 2] [--auth file|query] [--timeout 1800] [--json]`: the reconnection storm
 * (bench/fleet/storm.ts) for each fleet size in turn, each on a fresh private PostgreSQL and
 * PgBouncer. Progress on stderr every 10 s; the figures of each size on stdout.
 */
import { parseArgs } from "node:util";
import { runStorm } from "./fleet/storm.js";

const { values } = parseArgs({
  options: {
    banks: { type: "string", default: "1000,5000" },
    events: { type: "string", default: "500" },
    window: { type: "string", default: "60" },
    pool: { type: "string", default: "8" },
    "max-open": { type: "string", default: "10000" },
    hosts: { type: "string", default: "2" },
    "queue-wait": { type: "string", default: "120" },
    projectors: { type: "string", default: "2" },
    "inline-slots": { type: "string", default: "2" },
    auth: { type: "string", default: "file" },
    timeout: { type: "string", default: "1800" },
    json: { type: "boolean", default: false },
  },
});
const log = (l: string) => process.stderr.write(l + "\n");
/** A whole number of at least `min`, or a clear refusal naming the option. */
function whole(name: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`fleet-sim: --${name} must be a whole number of at least ${min}, not ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return n;
}
if (values.auth !== "file" && values.auth !== "query") {
  process.stderr.write(`fleet-sim: --auth must be file or query, not ${JSON.stringify(values.auth)}\n`);
  process.exit(2);
}
const auth: "file" | "query" = values.auth;
const fleets = values.banks.split(",").map((b) => whole("banks", b));
const settings = {
  eventsPerBank: whole("events", values.events),
  windowS: whole("window", values.window, 0),
  pool: whole("pool", values.pool),
  maxOpen: whole("max-open", values["max-open"]),
  hosts: whole("hosts", values.hosts),
  queueWaitS: whole("queue-wait", values["queue-wait"], 0),
  projectors: whole("projectors", values.projectors, 0),
  inlineSlots: whole("inline-slots", values["inline-slots"], 0),
  auth,
  timeoutS: whole("timeout", values.timeout),
};
for (const banks of fleets) {
  log(
    `fleet of ${banks} banks, ${settings.eventsPerBank} events each, back within ${settings.windowS} s, pool ${settings.pool}, ` +
      `at most ${settings.maxOpen} connected at once, over ${settings.hosts} simulator processes:`,
  );
  const r = await runStorm({ banks, ...settings, log });
  if (values.json) process.stdout.write(JSON.stringify(r) + "\n");
  else process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
process.exit(0); // banks cut off by --timeout leave timers behind
