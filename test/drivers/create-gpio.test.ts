import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadLayout } from "../../src/config/layout.js";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon } from "../../src/daemon.js";
import { createLockBank } from "../../src/drivers/create.js";
import { createLogger } from "../../src/system/logger.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function gpioBank(lockers: object[]) {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-create-"));
  dirs.push(dir);
  writeFileSync(join(dir, "layout.json"), JSON.stringify({ name: "g", columns: [{ id: "A", lockers }] }));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ dataDir: dir, bank: { layout: "layout.json" }, hardware: { driver: "gpio", gpio: { sysfsRoot: join(dir, "gpio") } } }));
  return loadConfig({ path: join(dir, "config.json"), env: {} });
}

it("a GPIO bank's wiring problems stop the daemon before it opens anything, all listed", () => {
  const cfg = gpioBank([
    { id: "A01", size: "S", lock: { relay: 17, sensor: 17 } },
    { id: "A02", size: "S", lock: { board: 0, channel: 2 } },
  ]);
  let err: unknown;
  try {
    createLockBank(cfg, loadLayout(cfg.paths.layout, cfg.bank.sizes));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).problems).toEqual([
    "locker A02: no relay pin (lock.relay)",
    "locker A02: no door sensor pin (lock.sensor)",
    "pin 17 is used 2 times (A01 relay, A01 sensor)",
  ]);
});

it("the daemon refuses to start with a clear error when GPIO cannot be reached", async () => {
  const cfg = gpioBank([{ id: "A01", size: "S", lock: { relay: 17, sensor: 4 } }]);
  await expect(startDaemon(cfg, createLogger({ level: "silent" }), { http: false })).rejects.toThrow(/cannot read the sysfs GPIO directory \(ENOENT\).*gpio group/s);
});

it("the example GPIO layout is valid wiring", () => {
  const layout = loadLayout(join(import.meta.dirname, "../../hardware/layouts/gpio-6.json"), ["S", "M", "L"]);
  const cfg = gpioBank(layout.lockers);
  expect(() => createLockBank(cfg, layout)).not.toThrow();
});
