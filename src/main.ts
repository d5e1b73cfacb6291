#!/usr/bin/env node
/**
 * lockerd's entry point: read the configuration, start the daemon, stop cleanly on SIGTERM or
 * SIGINT (a second signal forces the exit, outputs already off).
 */
import { parseArgs } from "node:util";
import { ConfigError } from "./config/errors.js";
import { loadConfig } from "./config/load.js";
import { startDaemon } from "./daemon.js";
import { createLogger } from "./system/logger.js";

const USAGE = `usage: lockerd [--config FILE]

Runs the locker bank controller. With no configuration it runs the simulated 24-locker demo
bank with its database in ./var and the API on 127.0.0.1:8080.

Environment: LOCKERD_CONFIG (configuration file), LOCKERD_DB (SQLite file),
LOCKERD_HTTP (host:port), LOCKERD_API_TOKEN (a technician token, 16+ characters).`;

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    process.stderr.write(`lockerd: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.values.help) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  let cfg;
  try {
    cfg = loadConfig({ path: args.values.config ?? null });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`lockerd: invalid configuration\n${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const log = createLogger(cfg.log);
  let daemon;
  try {
    daemon = await startDaemon(cfg, log);
  } catch (e) {
    if (e instanceof ConfigError) {
      log.fatal(e.message);
      process.stderr.write(`lockerd: invalid configuration\n${e.message}\n`);
      process.exit(78);
    }
    log.fatal({ err: e }, "lockerd failed to start");
    process.exit(1);
  }
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn({ sig }, "second signal: exiting now");
      process.exit(1);
    }
    log.info({ sig }, "stopping");
    void daemon.stop().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

main().catch((e: unknown) => {
  process.stderr.write(`lockerd: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
