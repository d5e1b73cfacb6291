/**
 * Register a bank and create its PostgreSQL login role:
 *   npx tsx src/central/create-bank.ts --url postgresql://owner@host/db --bank B0001 [--password-file f] [--rotate]
 * The password is printed once, or written to --password-file (created, mode 0600; never over
 * an existing file unless --rotate); give it to the bank as its sync.passwordFile. The file is
 * checked and reserved before anything is created, so a refusal leaves no role behind.
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { createBank } from "./banks.js";
import { connectAdmin, fail } from "./cli-connect.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    bank: { type: "string" },
    role: { type: "string" },
    "password-file": { type: "string" },
    rotate: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help || !values.bank) {
  console.log("usage: create-bank --bank ID [--url postgresql://owner@host/db] [--role name] [--password-file path] [--rotate]");
  process.exit(values.help ? 0 : 2);
}
const file = values["password-file"];
const rotate = values.rotate;

/** The new file, written beside the target first: proves the folder is writable before any role exists. */
let pending: { fd: number; tmp: string } | null = null;
if (file) {
  if (!rotate && existsSync(file)) fail(`create-bank: ${file} exists; nothing was created. Give another --password-file, remove it, or pass --rotate to give the role a new password and replace the file`);
  const tmp = `${file}.new-${process.pid}`;
  try {
    pending = { fd: openSync(tmp, "wx", 0o600), tmp };
  } catch (e) {
    fail(`create-bank: cannot write the password file beside ${file} (${(e as Error).message}); nothing was created`);
  }
}

try {
  const client = await connectAdmin(values.url);
  try {
    const creds = await createBank(client, { bankId: values.bank, role: values.role, rotate });
    if (file && pending) {
      writeSync(pending.fd, creds.password + "\n");
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
        // the role exists now: never lose its password
        console.error(`create-bank: could not put the password at ${file} (${(e as Error).message}); it is in ${pending.tmp}`);
        console.log(JSON.stringify({ bankId: creds.bankId, role: creds.role, passwordFile: pending.tmp }));
        process.exit(1);
      }
      console.log(JSON.stringify({ bankId: creds.bankId, role: creds.role, passwordFile: file }));
    } else {
      console.log(JSON.stringify(creds));
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
