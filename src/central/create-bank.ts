/**
 * Register a bank and create its PostgreSQL login role:
 *   npx tsx src/central/create-bank.ts --url postgresql://owner@host/db --bank B0001 [--password-file f] [--rotate]
 * The password is printed once (or written to --password-file, mode 0600); give it to the
 * bank as its sync.passwordFile.
 */
import { writeFileSync } from "node:fs";
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
try {
  const client = await connectAdmin(values.url);
  try {
    const creds = await createBank(client, { bankId: values.bank, role: values.role, rotate: values.rotate });
    if (values["password-file"]) {
      writeFileSync(values["password-file"], creds.password + "\n", { mode: 0o600, flag: values.rotate ? "w" : "wx" });
      console.log(JSON.stringify({ bankId: creds.bankId, role: creds.role, passwordFile: values["password-file"] }));
    } else {
      console.log(JSON.stringify(creds));
    }
  } finally {
    await client.end();
  }
} catch (e) {
  fail(`create-bank: ${(e as Error).message}`);
}
