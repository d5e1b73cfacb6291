#!/usr/bin/env node
/**
 * lockerctl, the technician's CLI: talks to the running lockerd over its unix socket (or a URL
 * with a token), falls back to reading the database when the daemon is down, and exits with a
 * code that says what went wrong (see exit-codes.ts).
 */
import { EXIT } from "./exit-codes.js";
import { runCli } from "./run.js";

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then(
  (code) => {
    // Live views leave sockets and stdin handles behind; everything has been written by now.
    if (process.stdout.writableNeedDrain) process.stdout.once("drain", () => process.exit(code));
    else process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`lockerctl: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(EXIT.INTERNAL);
  },
);
