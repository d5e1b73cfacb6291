/**
 * Register a bank and give it its key (central schema migration 5 on):
 *   npx tsx src/central/create-bank.ts --url postgresql://owner@host/db --bank B0001 [--key-file f] [--rotate]
 * The key is printed once (or written to --key-file, mode 0600); give it to the bank as its
 * sync.keyFile. --rotate replaces a bank's key: the old one is refused from the next call on
 * (a leaked key, a bank replaced). The shared login role: central-create-ingest-role.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createBank } from "./banks.js";
import { connectAdmin, fail } from "./cli-connect.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    bank: { type: "string" },
    "key-file": { type: "string" },
    rotate: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help || !values.bank) {
  console.log("usage: create-bank --bank ID [--url postgresql://owner@host/db] [--key-file path] [--rotate]");
  process.exit(values.help ? 0 : 2);
}
try {
  const client = await connectAdmin(values.url);
  try {
    const { bankId, key } = await createBank(client, { bankId: values.bank, rotate: values.rotate });
    if (values["key-file"]) {
      writeFileSync(values["key-file"], key + "\n", { mode: 0o600, flag: values.rotate ? "w" : "wx" });
      console.log(JSON.stringify({ bankId, keyFile: values["key-file"] }));
    } else {
      console.log(JSON.stringify({ bankId, key }));
    }
  } finally {
    await client.end();
  }
} catch (e) {
  fail(`create-bank: ${(e as Error).message}`);
}
