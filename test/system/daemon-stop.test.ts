/**
 * The daemon's ordered stop: every output off first (cutting a pulse under way), then the
 * parts in reverse start order, the lock bank released and the database closed last.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadLayout } from "../../src/config/layout.js";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon } from "../../src/daemon.js";
import { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import { createLogger } from "../../src/system/logger.js";

/** The simulated bank, recording the calls the daemon makes. */
class RecordingBank extends SimLockBank {
  readonly calls: string[] = [];
  override async allOff(): Promise<void> {
    this.calls.push(`allOff (energised: ${this.energisedCount()})`);
    await super.allOff();
  }
  override async stop(): Promise<void> {
    this.calls.push("stop");
    await super.stop();
  }
}

describe("stopping the daemon", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-stop-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("switches every output off before anything else, cutting a pulse under way, then releases the bank and closes the database", async () => {
    const cfgFile = join(dir, "lockerd.json");
    writeFileSync(cfgFile, JSON.stringify({ dataDir: join(dir, "data") }));
    const cfg = loadConfig({ path: cfgFile, env: {} });
    const ids = loadLayout(cfg.paths.layout, cfg.bank.sizes).lockers.map((l) => l.id);
    const bank = new RecordingBank({ lockerIds: ids, person: { enabled: false, openDelayMs: 1, closeDelayMs: 1 } });
    const daemon = await startDaemon(cfg, createLogger({ level: "silent", pretty: false }, new PassThrough()), { http: false, lockBank: bank });

    bank.calls.length = 0;
    await bank.unlock(ids[0]!, 60_000); // a long pulse, still under way at the stop
    expect(bank.isEnergised(ids[0]!)).toBe(true);

    await daemon.stop();
    expect(bank.calls[0]).toBe("allOff (energised: 1)");
    expect(bank.calls).toContain("stop");
    expect(bank.energisedCount()).toBe(0);
    // The database is closed last: the store refuses work now.
    expect(() => daemon.store.write(() => 1)).toThrow();
  });
});
