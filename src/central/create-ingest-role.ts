/**
 * Create the shared login role every bank syncs as (once per central database):
 *   npx tsx src/central/create-ingest-role.ts --url postgresql://owner@host/db [--role lockerd_ingest] [--password-file f] [--rotate]
 *     [--statement-timeout-ms 120000]
 * It may call central.ingest_batch, central.pull_bank_commands, central.report_bank_status_by_key and
 * central.pull_pass_revocations and central.pull_advice_hints, each of which needs a bank's
 * key as well; it holds no table privilege. Its password goes to every bank (sync.passwordFile)
 * and to PgBouncer; --rotate gives it a new one. --statement-timeout-ms is the server's bound on
 * one call of a bank (1 s to 1 h; default 120 s, and on --rotate what the role has).
 */
import { createIngestRole, parseStatementTimeoutMs } from "./banks.js";
import { connectAdmin, fail, parseToolArgs } from "./cli-connect.js";
import { reserveSecretFile } from "./secret-file.js";

const USAGE = "usage: create-ingest-role [--url postgresql://owner@host/db] [--role lockerd_ingest] [--password-file path] [--rotate] [--statement-timeout-ms 120000]";
const options = {
  url: { type: "string" },
  role: { type: "string" },
  "password-file": { type: "string" },
  rotate: { type: "boolean", default: false },
  "statement-timeout-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
const { values } = parseToolArgs("create-ingest-role", USAGE, { options });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
let statementTimeoutMs: number | undefined;
try {
  const t = values["statement-timeout-ms"];
  if (t !== undefined) statementTimeoutMs = parseStatementTimeoutMs(t);
} catch (e) {
  fail(`create-ingest-role: --statement-timeout-ms: ${(e as Error).message}; nothing was created`);
}
const file = values["password-file"];
const pending = file ? reserveSecretFile("create-ingest-role", file, "password", values.rotate, "give the role a new password and replace the file") : null;

try {
  const client = await connectAdmin(values.url);
  try {
    const { role, password } = await createIngestRole(client, { role: values.role, rotate: values.rotate, statementTimeoutMs });
    if (pending) {
      const put = pending.commit(password);
      console.log(JSON.stringify({ role, passwordFile: put.path }));
      if (!put.ok) process.exit(1);
    } else {
      console.log(JSON.stringify({ role, password }));
    }
  } finally {
    await client.end();
  }
} catch (e) {
  pending?.abandon();
  fail(`create-ingest-role: ${(e as Error).message}`);
}
