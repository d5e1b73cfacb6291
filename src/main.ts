#!/usr/bin/env node
/**
 * lockerd's entry point: read the configuration, start the daemon, tell systemd when it is ready
 * (and keep its watchdog fed), stop cleanly on SIGTERM or SIGINT within system.stopTimeoutMs (a
 * second signal, the bound or a crash forces the exit with outputs off).
 */
import { parseArgs } from "node:util";
import { ConfigError } from "./config/errors.js";
import { loadConfig } from "./config/load.js";
import { startDaemon } from "./daemon.js";
import { createLogger } from "./system/logger.js";
import { createNotifier } from "./system/notify.js";
import { SOFTWARE_VERSION } from "./system/paths.js";
import { createShutdown } from "./system/shutdown.js";

const USAGE = `usage: lockerd [--config FILE] | --version

Runs the locker bank controller. With no configuration it runs the simulated 24-locker demo
bank with its database in ./var and the API on 127.0.0.1:8080.

Environment: LOCKERD_CONFIG (configuration file), LOCKERD_DB (SQLite file),
LOCKERD_HTTP (host:port), LOCKERD_API_TOKEN (a technician token, 16+ characters).`;

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "V" } } });
  } catch (e) {
    process.stderr.write(`lockerd: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.values.help) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  if (args.values.version) {
    process.stdout.write(`lockerd ${SOFTWARE_VERSION}\n`);
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
  const notifier = createNotifier(log);
  notifier.startWatchdog();
  notifier.status("starting");
  let daemon;
  try {
    daemon = await startDaemon(cfg, log);
  } catch (e) {
    notifier.status(`failed to start: ${e instanceof Error ? e.message : String(e)}`);
    notifier.close();
    if (e instanceof ConfigError) {
      log.fatal(e.message);
      process.stderr.write(`lockerd: invalid configuration\n${e.message}\n`);
      process.exit(78);
    }
    log.fatal({ err: e }, "lockerd failed to start");
    process.exit(1);
  }
  notifier.ready(`ready: bank ${cfg.bank.id}, ${daemon.layout.lockers.length} lockers${daemon.url ? `, API ${daemon.url}` : ""}`);
  const running = daemon;
  const shutdown = createShutdown({
    log,
    notifier,
    stop: () => running.stop(),
    outputsOff: () => running.lockBank.allOff(),
    timeoutMs: cfg.system.stopTimeoutMs,
    exit: (code) => process.exit(code),
  });
  process.on("SIGTERM", () => shutdown.request("SIGTERM"));
  process.on("SIGINT", () => shutdown.request("SIGINT"));
  // A crash must not leave a lock energised (ExecStopPost is the second line of defence).
  process.on("uncaughtException", (err) => shutdown.fatal(err));
  process.on("unhandledRejection", (err) => shutdown.fatal(err));
}

main().catch((e: unknown) => {
  process.stderr.write(`lockerd: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
