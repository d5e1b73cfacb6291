/**
 * Show and resolve sequence conflicts:
 *   npx tsx src/central/conflicts.ts --url postgresql://owner@host/db [--bank B0042]
 *   npx tsx src/central/conflicts.ts --url ... --bank B0042 --resolve-from 1200 --reason "key leaked, rotated"
 * Rotate the bank's key first (central-create-bank --rotate) if the events were forged with it.
 */
import { connectAdmin, fail, parseToolArgs } from "./cli-connect.js";
import { listConflicts, resolveConflict } from "./sequence-conflicts.js";

const USAGE = "usage: conflicts [--url ...] [--bank ID]   |   conflicts --bank ID --resolve-from SEQ --reason TEXT";
const { values } = parseToolArgs("conflicts", USAGE, {
  options: {
    url: { type: "string" },
    bank: { type: "string" },
    "resolve-from": { type: "string" },
    reason: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help || (values["resolve-from"] !== undefined && (!values.bank || !values.reason))) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
try {
  const client = await connectAdmin(values.url);
  try {
    if (values["resolve-from"] !== undefined) {
      const from = Number(values["resolve-from"]);
      if (!Number.isSafeInteger(from) || from < 1) fail("--resolve-from: a sequence number, 1 or more");
      console.log(JSON.stringify(await resolveConflict(client, values.bank!, from, values.reason!)));
    } else {
      for (const c of await listConflicts(client, values.bank)) console.log(JSON.stringify(c));
    }
  } finally {
    await client.end();
  }
} catch (e) {
  fail(`conflicts: ${(e as Error).message}`);
}
