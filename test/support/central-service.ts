/**
 * lockerd-central for tests: an instance in this process (startCentral with the modules and
 * settings a test hands in), or the real program as its own OS process (for kill tests), and
 * the CLI run as a program.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCentralConfig } from "../../src/central/service/config.js";
import type { CentralClock, CentralModule } from "../../src/central/service/module.js";
import { startCentral, type CentralInstance } from "../../src/central/service/service.js";
import { PACKAGE_ROOT } from "../../src/system/paths.js";
import type { Logger } from "../../src/system/logger.js";
import { withoutLockerdVars } from "./daemon-process.js";
import { untilListening, type ListeningProcess } from "./listening-process.js";
import { testLogger } from "./log.js";

export interface TestCentralOptions {
  dbUrl: string;
  modules?: readonly CentralModule[];
  /** The configuration file's content (database.url and http are filled in). */
  config?: Record<string, unknown>;
  instance?: string;
  clock?: CentralClock;
  log?: Logger;
}

export async function startTestCentralService(opts: TestCentralOptions): Promise<CentralInstance> {
  const modules = opts.modules ?? [];
  const raw = { ...opts.config, instance: opts.instance ?? "test", database: { url: opts.dbUrl, ...(opts.config?.database as object) }, http: { ...(opts.config?.http as object), port: 0 } };
  const dir = mkdtempSync(join(tmpdir(), "lockerd-central-"));
  const path = join(dir, "central.json");
  writeFileSync(path, JSON.stringify(raw));
  const config = loadCentralConfig({
    path,
    env: {},
    moduleSettings: Object.fromEntries(modules.filter((m) => m.settings).map((m) => [m.name, m.settings!])),
  });
  return startCentral({ config, log: opts.log ?? testLogger(), modules, ...(opts.clock ? { clock: opts.clock } : {}) });
}

/** Run `lockerd-central ...` (src/central/service/main.ts) to its end. */
export function runCentralCli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "src/central/service/main.ts"), ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...withoutLockerdVars(process.env), ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export type CentralProcess = ListeningProcess;

/** `lockerd-central serve --config FILE` as its own process; the URL is read from its "running" log line. */
export async function startCentralProcess(configFile: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<CentralProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "src/central/service/main.ts"), "serve", "--config", configFile], {
    cwd: PACKAGE_ROOT,
    env: { ...withoutLockerdVars(process.env), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return untilListening(proc, "lockerd-central", "lockerd-central running", timeoutMs);
}
