#!/usr/bin/env node
/**
 * lockerctl, the technician's CLI: talks to the running lockerd over its unix socket (or a URL
 * with a token), falls back to reading the database when the daemon is down, and exits with a
 * code that says what went wrong (see exit-codes.ts).
 */
import { parseArgs } from "node:util";
import { backupCommand } from "./commands/backup.js";
import { doctorCommand } from "./commands/doctor.js";
import { eventsCommand } from "./commands/events.js";
import { openCommand } from "./commands/open.js";
import { parcelsCommand } from "./commands/parcels.js";
import { disableCommand, enableCommand } from "./commands/service.js";
import { statusCommand } from "./commands/status.js";
import { syncCommand } from "./commands/sync.js";
import { testCommand } from "./commands/test.js";
import { watchCommand } from "./commands/watch.js";
import type { Command } from "./command.js";
import { CliContext, GLOBAL_HELP, GLOBAL_OPTIONS, type Io } from "./context.js";
import { CliError } from "./errors.js";
import { EXIT, EXIT_HELP } from "./exit-codes.js";

const COMMANDS: readonly Command[] = [statusCommand, openCommand, disableCommand, enableCommand, testCommand, watchCommand, eventsCommand, parcelsCommand, syncCommand, doctorCommand, backupCommand];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: lockerctl [global options] <command> [options]

The technician's tool for a lockerd parcel-locker bank. It talks to the running daemon over
its unix socket (technician rights, no token), or over HTTP with --url and --token.
status, events, parcels, sync and doctor still work read-only from the database file when the
daemon is down; open, test and watch need the daemon.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}
  help [COMMAND]  this text, or one command's

${GLOBAL_HELP}

${EXIT_HELP}

Run \`lockerctl <command> --help\` for a command's own options.`;
}

function commandHelp(c: Command): string {
  return `${c.help}\n\n${GLOBAL_HELP}\n\n${EXIT_HELP}`;
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  // First pass: find the command name (global options may come before it).
  const first = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const nameToken = first.tokens.find((t) => t.kind === "positional");
  const name = nameToken?.kind === "positional" ? nameToken.value : undefined;
  if (!name) {
    io.stdout.write(mainHelp() + "\n");
    return first.values.help ? EXIT.OK : EXIT.USAGE;
  }
  if (name === "help") {
    const topic = first.positionals[1];
    const c = COMMANDS.find((x) => x.name === topic);
    if (topic && !c) {
      io.stderr.write(`lockerctl: no command ${JSON.stringify(topic)}\n`);
      return EXIT.USAGE;
    }
    io.stdout.write((c ? commandHelp(c) : mainHelp()) + "\n");
    return EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`lockerctl: unknown command ${JSON.stringify(name)}; run lockerctl --help\n`);
    return EXIT.USAGE;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...command.options }, strict: true, allowPositionals: true });
  } catch (e) {
    io.stderr.write(`lockerctl ${command.name}: ${(e as Error).message}\n\n${command.help}\n`);
    return EXIT.USAGE;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.stdout.write(commandHelp(command) + "\n");
    return EXIT.OK;
  }
  const ctx = new CliContext(
    { config: s(values.config), url: s(values.url), token: s(values.token), socket: s(values.socket), db: s(values.db), json: values.json === true },
    io,
  );
  const args = parsed.positionals.slice(parsed.positionals.indexOf(name) + 1);
  try {
    return await command.run(ctx, args, values);
  } catch (e) {
    if (e instanceof CliError) {
      if (ctx.out.json) ctx.out.printJson({ error: { code: e.code, message: e.message, exit: e.exit } });
      ctx.out.error(e.message);
      if (e.exit === EXIT.USAGE && !ctx.out.json) io.stderr.write(`(lockerctl ${command.name} --help for usage)\n`);
      if (e.exit === EXIT.AUTH && !ctx.out.json) io.stderr.write("hint: on the bank itself use the unix socket (run as a member of lockerd's group); remotely pass --token or LOCKERD_API_TOKEN\n");
      return e.exit;
    }
    throw e;
  }
}

const s = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then(
  (code) => {
    process.exitCode = code;
    // Live views leave sockets and stdin handles behind; nothing else is pending by now.
    if (process.stdout.writableNeedDrain) process.stdout.once("drain", () => process.exit(code));
    else process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`lockerctl: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(EXIT.INTERNAL);
  },
);
