#!/usr/bin/env node
/**
 * Make an API token: prints the token once (give it to the device or person) and the entry to
 * add to the configuration's api.tokens, which holds only the token's SHA-256.
 *
 *   npm run new-token -- --role kiosk --name front-kiosk
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { hashToken, ROLES, type Role, type TokenEntry } from "../api/auth.js";

export function newToken(role: Role, name: string, random: (n: number) => Buffer = randomBytes): { token: string; entry: TokenEntry } {
  const token = `lkd_${random(32).toString("base64url")}`;
  return { token, entry: { name, role, sha256: hashToken(token) } };
}

const USAGE = `usage: new-token --role ${ROLES.join("|")} --name NAME

Prints a new API token once, and the entry to add to "api.tokens" in lockerd's configuration.`;

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { role: { type: "string" }, name: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (e) {
    process.stderr.write(`new-token: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const role = values.role as Role | undefined;
  const name = values.name;
  if (!role || !ROLES.includes(role) || !name || !/^[\x21-\x7e]{1,64}$/.test(name)) {
    process.stderr.write(`new-token: --role (one of ${ROLES.join(", ")}) and --name (1-64 printable characters) are required\n${USAGE}\n`);
    return 2;
  }
  const { token, entry } = newToken(role, name);
  process.stdout.write(
    `Token for ${name} (${role}); it is shown only this once:\n\n  ${token}\n\n` +
      `Add this entry to "api.tokens" in the configuration and restart lockerd:\n\n  ${JSON.stringify(entry)}\n`,
  );
  return 0;
}

// Run only as a program, not when imported (tests).
if (process.argv[1] && /new-token\.(ts|js)$/.test(process.argv[1])) process.exitCode = main(process.argv.slice(2));
