/**
 * A CU16 bank for scenario tests: the simulator's example configuration with its serial line on
 * one end of a socat pty pair and two simulated boards on the other, in a temp dir. Everything
 * it makes is undone through `cleanups`, last first.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type ResolvedConfig } from "../../src/config/load.js";
import { BoardBus } from "../../src/simulator/board-bus.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import { openPtyPair } from "./pty-pair.js";

export interface Cu16SimBank {
  bus: BoardBus;
  /** The daemon's configuration for this bank (start and restart it with this). */
  config(): ResolvedConfig;
}

export async function cu16SimBank(
  cleanups: (() => Promise<void> | void)[],
  opts: { itemSensors?: boolean; env?: Record<string, string> } = {},
): Promise<Cu16SimBank> {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-cu16-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const bus = new BoardBus({ protocol: "cu16", device: pty.peer, boards: [0, 1], person: { enabled: true, openDelayMs: 80, closeDelayMs: 600 } });
  await bus.start();
  cleanups.push(() => bus.stop());
  const config = (): ResolvedConfig => {
    const cfg = loadConfig({ path: join(PACKAGE_ROOT, "hardware", "config.cu16-sim.example.json"), env: opts.env ?? {} });
    return {
      ...cfg,
      http: { ...cfg.http, port: 0 },
      hardware: {
        ...cfg.hardware,
        cu16: { ...cfg.hardware.cu16, itemSensors: opts.itemSensors ?? cfg.hardware.cu16.itemSensors },
        serial: { ...cfg.hardware.serial, path: pty.device, pollMs: 25, responseTimeoutMs: 200, retries: 1, backoffMaxMs: 300 },
      },
      paths: { ...cfg.paths, database: join(dir, "lockerd.db"), secret: join(dir, "secret.key") },
    };
  };
  return { bus, config };
}
