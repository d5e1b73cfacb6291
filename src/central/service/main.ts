#!/usr/bin/env node
/**
 * lockerd-central: the central service of a fleet of banks (several instances may run against
 * one database). In a checkout: `npm run central -- <command>`.
 *
 *   serve                          run the service (HTTP API and every module's background work)
 *   migrate                        apply the central schema's pending migrations
 *   token create --role R --name N make an operator token (printed once; stored hashed)
 *   token list | token revoke --name N
 *
 * Every command takes --config FILE (or LOCKERD_CENTRAL_CONFIG); LOCKERD_CENTRAL_URL names the
 * database. Exit codes: 0 ok, 1 failure, 2 usage, 78 configuration (EX_CONFIG).
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../../config/errors.js";
import { createLogger, type Logger } from "../../system/logger.js";
import { createNotifier } from "../../system/notify.js";
import { SOFTWARE_VERSION } from "../../system/paths.js";
import { migrateCentral } from "../apply.js";
import { CENTRAL_ROLES, createOperatorToken, listOperatorTokens, revokeOperatorToken, type CentralRole } from "./auth.js";
import { loadCentralConfig, type ResolvedCentralConfig } from "./config.js";
import { createPool } from "./database.js";
import { CENTRAL_MODULES } from "./modules.js";
import { defaultInstanceName, startCentral } from "./service.js";
import { COMMANDS } from "./commands.js";

export const USAGE = `usage: lockerd-central <command> [--config FILE] [options] | --version

commands:
  serve                              run the service
  migrate                            apply pending central schema migrations
  token create --role ROLE --name N  make an operator token (${CENTRAL_ROLES.join(", ")}); shown once
  token list                         list tokens (names and roles, never the tokens)
  token revoke --name N              revoke the live token of that name
${COMMANDS.map((c) => (c.usage.length < 35 ? `  ${c.usage.padEnd(35)}${c.summary}` : `  ${c.usage}\n  ${"".padEnd(35)}${c.summary}`)).join("\n")}

The database: database.url in the configuration, or LOCKERD_CENTRAL_URL, or libpq's PG* variables.`;

const EX_USAGE = 2;
const EX_CONFIG = 78;

function settingsSchemas() {
  return Object.fromEntries(CENTRAL_MODULES.filter((m) => m.settings).map((m) => [m.name, m.settings!]));
}

export function loadConfig(path: string | undefined): ResolvedCentralConfig {
  return loadCentralConfig({ path: path ?? null, defaultInstance: defaultInstanceName(), moduleSettings: settingsSchemas() });
}

async function withPool<T>(cfg: ResolvedCentralConfig, log: Logger, fn: (pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  const pool = createPool(cfg, log);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

async function serve(cfg: ResolvedCentralConfig, log: Logger): Promise<number> {
  const notify = createNotifier(log);
  const instance = await startCentral({ config: cfg, log, modules: CENTRAL_MODULES });
  notify.ready(`serving on ${instance.url}`);
  notify.startWatchdog();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, "second signal: exiting now");
        resolve(1);
        return;
      }
      stopping = true;
      notify.stopping(`stopping (${signal})`);
      log.info({ signal }, "stopping");
      const bound = setTimeout(() => {
        log.error({ timeoutMs: cfg.system.stopTimeoutMs }, "the ordered stop took too long; exiting");
        resolve(1);
      }, cfg.system.stopTimeoutMs);
      instance
        .stop()
        .then(() => resolve(0))
        .catch((e: unknown) => {
          log.error({ err: e }, "stop failed");
          resolve(1);
        })
        .finally(() => clearTimeout(bound));
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  }).finally(() => notify.close());
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h") argv = ["help"];
  if (argv[0] === "--version" || argv[0] === "-V") {
    process.stdout.write(`lockerd-central ${SOFTWARE_VERSION}\n`);
    return 0;
  }
  const [command, ...rest] = argv;
  const sub = command === "token" ? rest.shift() : undefined;
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        config: { type: "string", short: "c" },
        role: { type: "string" },
        name: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: !COMMANDS.some((c) => c.name === command),
    }));
  } catch (e) {
    process.stderr.write(`lockerd-central: ${(e as Error).message}\n${USAGE}\n`);
    return EX_USAGE;
  }
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  if (!command || values.help || command === "help") {
    process.stdout.write(USAGE + "\n");
    return command ? 0 : EX_USAGE;
  }
  let cfg: ResolvedCentralConfig;
  try {
    cfg = loadConfig(str(values.config));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`lockerd-central: ${e.message}\n`);
      return EX_CONFIG;
    }
    throw e;
  }
  const log = createLogger({ level: command === "serve" ? cfg.log.level : "warn", pretty: cfg.log.pretty }).child({ instance: cfg.instance });
  try {
    switch (command) {
      case "serve":
        return await serve(cfg, log);
      case "migrate":
        return await withPool(cfg, log, async (pool) => {
          const c = await pool.connect();
          try {
            const { from, to } = await migrateCentral(c);
            process.stdout.write(from === to ? `central schema is up to date (version ${to})\n` : `central schema migrated from version ${from} to ${to}\n`);
            return 0;
          } finally {
            c.release();
          }
        });
      case "token":
        return await withPool(cfg, log, (pool) => tokenCommand(pool, sub, str(values.role), str(values.name)));
      default: {
        const c = COMMANDS.find((x) => x.name === command);
        if (!c) {
          process.stderr.write(`lockerd-central: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
          return EX_USAGE;
        }
        if (c.needsDatabase === false) return await c.run({ pool: null as never, config: cfg, log, args: rest });
        return await withPool(cfg, log, (pool) => c.run({ pool, config: cfg, log, args: rest }));
      }
    }
  } catch (e) {
    process.stderr.write(`lockerd-central ${command}: ${(e as Error).message}\n`);
    return 1;
  }
}

async function tokenCommand(pool: ReturnType<typeof createPool>, sub: string | undefined, role: string | undefined, name: string | undefined): Promise<number> {
  if (sub === "create") {
    if (!role || !CENTRAL_ROLES.includes(role as CentralRole) || !name) {
      process.stderr.write(`lockerd-central token create: --role (one of ${CENTRAL_ROLES.join(", ")}) and --name are required\n`);
      return EX_USAGE;
    }
    const token = await createOperatorToken(pool, name, role as CentralRole);
    process.stdout.write(`Token for ${name} (${role}); it is shown only this once:\n\n  ${token}\n\n`);
    return 0;
  }
  if (sub === "list") {
    for (const t of await listOperatorTokens(pool)) process.stdout.write(JSON.stringify(t) + "\n");
    return 0;
  }
  if (sub === "revoke") {
    if (!name) {
      process.stderr.write("lockerd-central token revoke: --name is required\n");
      return EX_USAGE;
    }
    const n = await revokeOperatorToken(pool, name);
    process.stdout.write(`${n} token${n === 1 ? "" : "s"} revoked\n`);
    return n > 0 ? 0 : 1;
  }
  process.stderr.write(`lockerd-central token: expected create, list or revoke\n${USAGE}\n`);
  return EX_USAGE;
}

// Run only as a program, not when imported (tests).
if (process.argv[1] && /central\/service\/main\.(ts|js)$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // the pool and the server are closed: nothing should keep the process; make sure of it
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (e: unknown) => {
      process.stderr.write(`lockerd-central: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
