/**
 * lockerctl's dispatcher: find the command, parse its options (node:util parseArgs), run it,
 * and turn a CliError into its message and exit code.
 */
import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { CliContext, GLOBAL_HELP, GLOBAL_OPTIONS, type Io } from "./context.js";
import { CliError } from "./errors.js";
import { EXIT, EXIT_HELP } from "./exit-codes.js";
import { COMMANDS } from "./registry.js";
import { SOFTWARE_VERSION } from "../system/paths.js";

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), "help [COMMAND]".length);
  return `usage: lockerctl [global options] <command> [options]

The technician's tool for a lockerd parcel-locker bank. It talks to the running daemon over
its unix socket (technician rights, no token), or over HTTP with --url and --token.
status, events, parcels, sync and doctor still work read-only from the database file when the
daemon is down; open, disable, enable, test and watch need the daemon; calibrate needs it
stopped (it drives the boards itself).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}
  ${"help [COMMAND]".padEnd(width)}  this text, or one command's

${GLOBAL_HELP}

${EXIT_HELP}

Run \`lockerctl <command> --help\` for a command's own options.`;
}

export function commandHelp(c: Command): string {
  return `${c.help}\n\n${GLOBAL_HELP}\n\n${EXIT_HELP}`;
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  // First pass: find the command name (global options may come before it).
  const first = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const name = first.positionals[0];
  if (first.values.version === true) {
    io.stdout.write(`lockerctl ${SOFTWARE_VERSION}\n`);
    return EXIT.OK;
  }
  if (!name) {
    (first.values.help ? io.stdout : io.stderr).write(mainHelp() + "\n");
    return first.values.help ? EXIT.OK : EXIT.USAGE;
  }
  if (name === "help") {
    const topic = first.positionals[1];
    const entry = COMMANDS.find((x) => x.name === topic);
    if (topic && !entry) {
      io.stderr.write(`lockerctl: no command ${JSON.stringify(topic)}\n`);
      return EXIT.USAGE;
    }
    io.stdout.write((entry ? commandHelp(await entry.load()) : mainHelp()) + "\n");
    return EXIT.OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`lockerctl: unknown command ${JSON.stringify(name)}; run lockerctl --help\n`);
    return EXIT.USAGE;
  }
  const command = await entry.load();
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
  const ctx = new CliContext({ config: s(values.config), url: s(values.url), token: s(values.token), socket: s(values.socket), db: s(values.db), json: values.json === true }, io);
  const args = parsed.positionals.slice(parsed.positionals.indexOf(name) + 1);
  try {
    return await command.run(ctx, args, values);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    if (ctx.out.json) ctx.out.printJson({ error: { code: e.code, message: e.message, exit: e.exit } });
    ctx.out.error(e.message);
    if (e.exit === EXIT.USAGE && !ctx.out.json) io.stderr.write(`(lockerctl ${command.name} --help for usage)\n`);
    if (e.exit === EXIT.AUTH && !ctx.out.json) io.stderr.write("hint: on the bank itself use the unix socket (as a member of lockerd's group); remotely pass --token or LOCKERD_API_TOKEN\n");
    return e.exit;
  }
}

const s = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);
