/**
 * Register a bank and give it its key (central schema migration 5 on):
 *   npx tsx src/central/create-bank.ts --url postgresql://owner@host/db --bank B0001 [--key-file f] [--rotate]
 * The key is printed once, or written to --key-file (created, mode 0600; never over an existing
 * file unless --rotate); give it to the bank as its sync.keyFile. The file is checked and
 * reserved before anything is registered, so a refusal leaves no bank behind and a key is never
 * lost. --rotate replaces a bank's key: the old one is refused from the next call on (a leaked
 * key, a bank replaced). The shared login role: central-create-ingest-role.
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
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
const file = values["key-file"];
const rotate = values.rotate;

/** The new file, written beside the target first: proves the folder is writable before any bank is registered. */
let pending: { fd: number; tmp: string } | null = null;
if (file) {
  if (!rotate && existsSync(file)) fail(`create-bank: ${file} exists; nothing was registered. Give another --key-file, remove it, or pass --rotate to give the bank a new key and replace the file`);
  const tmp = `${file}.new-${process.pid}`;
  try {
    pending = { fd: openSync(tmp, "wx", 0o600), tmp };
  } catch (e) {
    fail(`create-bank: cannot write the key file beside ${file} (${(e as Error).message}); nothing was registered`);
  }
}

try {
  const client = await connectAdmin(values.url);
  try {
    const { bankId, key } = await createBank(client, { bankId: values.bank, rotate });
    if (file && pending) {
      writeSync(pending.fd, key + "\n");
      fsyncSync(pending.fd);
      closeSync(pending.fd);
      try {
        // Without --rotate, link (not rename) so a file that appeared meanwhile is not replaced.
        if (rotate) renameSync(pending.tmp, file);
        else {
          linkSync(pending.tmp, file);
          rmSync(pending.tmp);
        }
      } catch (e) {
        // the bank is registered with this key now: never lose it
        console.error(`create-bank: could not put the key at ${file} (${(e as Error).message}); it is in ${pending.tmp}`);
        console.log(JSON.stringify({ bankId, keyFile: pending.tmp }));
        process.exit(1);
      }
      console.log(JSON.stringify({ bankId, keyFile: file }));
    } else {
      console.log(JSON.stringify({ bankId, key }));
    }
  } finally {
    await client.end();
  }
} catch (e) {
  if (pending) {
    try {
      closeSync(pending.fd);
    } catch {
      /* closed after writing */
    }
    rmSync(pending.tmp, { force: true });
  }
  fail(`create-bank: ${(e as Error).message}`);
}
