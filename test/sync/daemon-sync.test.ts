/** The daemon with sync configured: GET /sync, POST /sync/now, and a parcel reaching the central database. */
import { createOpener, generateSealingKeyPair } from "../../src/system/sealed-codes.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { useTestCentral } from "../support/sync-parts.js";
import { SOFTWARE_VERSION } from "../../src/system/paths.js";
import { silentLog } from "../support/log.js";

const central = useTestCentral();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function daemonWith(sync: Record<string, unknown> | null, bankId = "demo"): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-daemon-sync-"));
  dirs.push(dir);
  const config: Record<string, unknown> = {
    bank: { id: bankId },
    dataDir: dir,
    http: { host: "127.0.0.1", port: 0 },
    hardware: { driver: "sim", sim: { person: { enabled: false } } },
  };
  if (sync) config.sync = sync;
  writeFileSync(join(dir, "lockerd.json"), JSON.stringify(config));
  const cfg = loadConfig({ path: join(dir, "lockerd.json"), env: {} });
  return startDaemon(cfg, silentLog);
}

it("without sync: GET /sync says so and POST /sync/now is refused", async () => {
  const d = await daemonWith(null);
  try {
    const s = (await (await fetch(`${d.url}/sync`)).json()) as Record<string, unknown>;
    expect(s).toEqual({ configured: false, backlog: 0, oldestUnsentAt: null, lastSuccessAt: null, lastError: null, lagMs: null, lastSentSeq: 0, attempts: 0, softwareVersion: SOFTWARE_VERSION });
    const r = await fetch(`${d.url}/sync/now`, { method: "POST" });
    expect(r.status).toBe(409);
    expect(((await r.json()) as { code: string }).code).toBe("INVALID_STATE");
  } finally {
    await d.stop();
  }
});

it("with sync: a parcel assigned over HTTP reaches the central database, its code sealed to the notifier's key; it leaves the bank", async () => {
  const notifierKey = generateSealingKeyPair();
  const { bankId, role, url, key } = await central.addBank();
  const u = new URL(url);
  const dir = mkdtempSync(join(tmpdir(), "lockerd-pw-"));
  dirs.push(dir);
  writeFileSync(join(dir, "pw"), decodeURIComponent(u.password) + "\n", { mode: 0o600 });
  writeFileSync(join(dir, "key"), key + "\n", { mode: 0o600 });
  const d = await daemonWith(
    {
      enabled: true,
      url: `postgresql://${role}@${u.host}${u.pathname}`,
      passwordFile: join(dir, "pw"),
      keyFile: join(dir, "key"),
      tls: "disable",
      intervalMs: 60_000,
      commandPollMs: 50,
      notifierKeys: [notifierKey.publicKey],
    },
    bankId,
  );
  try {
    const a = (await (await fetch(`${d.url}/lockers/assign`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ size: "S", parcel: "HTTP-1" }) })).json()) as { parcelId: string; pickupCode: string; pickupToken: string };
    expect((await fetch(`${d.url}/sync/now`, { method: "POST" })).status).toBe(202);
    await vi.waitFor(
      async () => {
        const r = await central.db.admin(`SELECT sealed_codes FROM central.parcels WHERE bank_id = $1 AND parcel_id = $2`, [bankId, a.parcelId]);
        expect(r.rows[0]?.sealed_codes).toBeTruthy();
        expect(JSON.stringify(r.rows[0]!.sealed_codes)).not.toContain(a.pickupCode);
        expect(createOpener([notifierKey.privatePem]).open(bankId, a.parcelId, r.rows[0]!.sealed_codes)).toEqual({ code: a.pickupCode, token: a.pickupToken });
      },
      { timeout: 10_000, interval: 50 },
    );
    await vi.waitFor(async () => {
      const s = (await (await fetch(`${d.url}/sync`)).json()) as Record<string, unknown>;
      expect(s).toMatchObject({ configured: true, backlog: 0, lastError: null, lagMs: 0 });
      expect(s.lastSentSeq).toBe(d.store.events.lastSeq());
      expect(s.softwareVersion).toBe(SOFTWARE_VERSION);
    });
    const assigned = d.store.events.query({ type: "parcel.assigned" });
    expect(assigned[0]!.data).not.toHaveProperty("pickupCode");
    expect(assigned[0]!.data).not.toHaveProperty("pickupToken");
    expect(assigned[0]!.data).not.toHaveProperty("sealedCodes");
    // the lockers snapshot made every locker of the layout known centrally
    const lockers = await central.db.admin<{ n: number }>(`SELECT count(*)::int AS n FROM central.lockers WHERE bank_id = $1`, [bankId]);
    expect(lockers.rows[0]!.n).toBe(d.layout.lockers.length);
  } finally {
    await d.stop();
  }
});
