#!/usr/bin/env node
/**
 * lockerd-outputs-off: switch every lock output off for the configured driver, then exit.
 * systemd runs it as ExecStopPost, so a crashed or killed daemon cannot leave a coil energised.
 * Exit codes: 0 done, 1 some output could not be switched off, 2 bad arguments, 78 bad configuration.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../config/errors.js";
import { loadLayout } from "../config/layout.js";
import { loadConfig } from "../config/load.js";
import { switchOutputsOff } from "../drivers/outputs-off.js";

const USAGE = `usage: lockerd-outputs-off [--config FILE]

Switches every lock output of the bank off (the same configuration as lockerd: --config or
LOCKERD_CONFIG). Safe to run at any time; run it after lockerd has stopped.`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    process.stderr.write(`lockerd-outputs-off: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  try {
    const cfg = loadConfig({ path: args.values.config ?? null });
    const layout = loadLayout(cfg.paths.layout, cfg.bank.sizes);
    process.stdout.write(`lockerd-outputs-off: ${await switchOutputsOff(cfg, layout)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`lockerd-outputs-off: invalid configuration\n${e.message}\n`);
      return 78; // EX_CONFIG
    }
    process.stderr.write(`lockerd-outputs-off: ${(e as Error).message}\n`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lockerd-outputs-off: ${String(e)}\n`);
    process.exit(1);
  },
);
