/**
 * Register a bank and give it its key (central schema migration 5 on):
 *   npx tsx src/central/create-bank.ts --url postgresql://owner@host/db --bank B0001 [--key-file f] [--rotate]
 * The key is printed once, or written to --key-file (created, mode 0600; never over an existing
 * file unless --rotate); give it to the bank as its sync.keyFile. The file is checked and
 * reserved before anything is registered, so a refusal leaves no bank behind and a key is never
 * lost. --rotate replaces a bank's key: the old one is refused from the next call on (a leaked
 * key, a bank replaced). The shared login role: central-create-ingest-role.
 */
import { createBank } from "./banks.js";
import { connectAdmin, fail, parseToolArgs } from "./cli-connect.js";
import { reserveSecretFile } from "./secret-file.js";

const USAGE = "usage: create-bank --bank ID [--url postgresql://owner@host/db] [--key-file path] [--rotate]";
const { values } = parseToolArgs("create-bank", USAGE, {
  options: {
    url: { type: "string" },
    bank: { type: "string" },
    "key-file": { type: "string" },
    rotate: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help || !values.bank) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
const file = values["key-file"];
const pending = file ? reserveSecretFile("create-bank", file, "key", values.rotate, "give the bank a new key and replace the file") : null;

try {
  const client = await connectAdmin(values.url);
  try {
    const { bankId, key } = await createBank(client, { bankId: values.bank, rotate: values.rotate });
    if (pending) {
      const put = pending.commit(key);
      console.log(JSON.stringify({ bankId, keyFile: put.path }));
      if (!put.ok) process.exit(1);
    } else {
      console.log(JSON.stringify({ bankId, key }));
    }
  } finally {
    await client.end();
  }
} catch (e) {
  pending?.abandon();
  fail(`create-bank: ${(e as Error).message}`);
}
