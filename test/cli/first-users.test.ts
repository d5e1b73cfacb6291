/**
 * What a technician met with lockerctl on the first real banks (issue 24, items 5, 6, 7, 9):
 * open doors called "offline", a sync that waited out its timeout against a center already
 * down, a daemon started with LOCKERD_DB whose database lockerctl could not find, and a doctor
 * that passed a bank whose (simulated) board was unplugged.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePort } from "../support/postgres-setup.js";
import { Bank, ROOT, collect, until, type Run } from "./harness.js";
import { spawn } from "node:child_process";
import { withoutLockerdVars } from "../support/daemon-process.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const json = <T = Record<string, unknown>>(r: Run): T => JSON.parse(r.stdout) as T;
type Check = { id: string; status: string; detail: string; hint?: string };

describe("a bank with a door standing open, then its board unplugged", () => {
  const bank = new Bank();
  beforeAll(() => bank.start());
  afterAll(() => bank.cleanup());

  it("status calls an open door open, not offline; offline counts are GET /bank's", async () => {
    expect((await bank.api("POST", "/sim/doors/A01", { action: "open" })).status).toBe(200);
    await until("A01 seen open", async () => (await bank.api<{ door: string }>("GET", "/lockers/A01")).body.door === "open");
    const r = await bank.cli(["status"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/Hardware offline/);
    expect(r.stdout).toMatch(/Doors open:.*A01/);
    const j = json<{ notOffered: { total: number; offline: string[]; open: string[] }; hardwareOffline: string[] }>(await bank.cli(["status", "--json"]));
    expect(j.hardwareOffline).toEqual([]);
    expect(j.notOffered.open).toContain("A01");
    expect(j.notOffered.total).toBe(1);

    expect((await bank.api("POST", "/sim/hardware", { online: false })).status).toBe(200);
    const offline = (await bank.api<{ hardwareOffline: string[] }>("GET", "/bank")).body.hardwareOffline;
    expect(offline.length).toBeGreaterThan(0);
    const after = await bank.cli(["status"]);
    expect(after.stdout).toMatch(new RegExp(`Hardware offline:\\S* ${offline.length} lockers`));
    const j2 = json<{ notOffered: { offline: string[] }; hardwareOffline: string[]; counts: Record<string, { AVAILABLE: number }>; available: Record<string, number> }>(
      await bank.cli(["status", "--json"]),
    );
    expect(j2.hardwareOffline).toEqual(offline);
    expect(j2.notOffered.offline).toEqual(offline);
  });

  it("doctor fails on the unplugged simulated board and says how to plug it back", async () => {
    const r = await bank.cli(["doctor", "--json"]);
    const boards = json<{ checks: Check[] }>(r).checks.find((c) => c.id === "boards")!;
    expect(boards.status).toBe("fail");
    expect(boards.hint).toMatch(/sim\/hardware/);
    expect(r.code).toBe(1);
    expect((await bank.api("POST", "/sim/hardware", { online: true })).status).toBe(200);
    await until("board back", async () => (await bank.api<{ hardwareOffline: string[] }>("GET", "/bank")).body.hardwareOffline.length === 0);
    const again = json<{ checks: Check[] }>(await bank.cli(["doctor", "--json"])).checks.find((c) => c.id === "boards")!;
    expect(again.status).toBe("pass");
  });
});

describe("sync now against a center that is already down", () => {
  let bank: Bank;
  beforeAll(async () => {
    const port = await freePort(); // nothing listens there
    bank = new Bank({ sync: { enabled: true, url: `postgresql://nobody@127.0.0.1:${port}/central`, tls: "disable", intervalMs: 60_000, backoffMinMs: 60_000, backoffMaxMs: 60_000, connectTimeoutMs: 2000 } });
    await bank.start();
    await until("the first push failed", async () => (await bank.api<{ lastError: string | null }>("GET", "/sync")).body.lastError);
  });
  afterAll(() => bank.cleanup());

  it("sees the failure at once, and draws no progress in a pipe", async () => {
    const started = Date.now();
    const r = await bank.cli(["sync", "now", "--timeout", "60"]);
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.stdout).toMatch(/the push failed/);
    expect(r.stderr).not.toMatch(/sync: \[/);
  });

  it("draws its progress in place on a terminal", async () => {
    const started = Date.now();
    const r = await bank.tty(["sync", "now", "--timeout", "60"], "");
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.stdout).toMatch(/\r\x1b\[2Ksync: \[/); // eslint-disable-line no-control-regex
  });
});

describe("a daemon started with LOCKERD_DB", () => {
  const elsewhere = mkdtempSync(join(tmpdir(), "lockerd-db-elsewhere-"));
  const db = join(elsewhere, "bank.db");
  // the daemon runs on `db` (LOCKERD_DB); lockerctl is not told (no LOCKERD_DB, no --db)
  const bank = new Bank({}, { db });
  let started = false;
  beforeAll(async () => {
    await bank.start();
    started = true;
  });
  afterAll(async () => {
    await bank.cleanup();
    rmSync(elsewhere, { recursive: true, force: true });
  });
  const env = () => {
    const { LOCKERD_DB: _db, ...rest } = bank.env();
    return rest;
  };

  it("doctor checks the daemon's own database", async () => {
    expect(started).toBe(true);
    const r = await bank.cli(["doctor", "--json"], { env: env() });
    const database = json<{ checks: Check[] }>(r).checks.find((c) => c.id === "database")!;
    expect(database.status).toBe("pass");
    expect(database.detail).toContain(db);
  });

  it("backup copies the daemon's own database", async () => {
    const target = join(elsewhere, "copy.db");
    const r = await bank.cli(["backup", target, "--json"], { env: env() });
    expect(r.code).toBe(0);
    expect(json<{ source: string }>(r).source).toBe(db);
  });
});

describe("http.port 0 with the daemon down", () => {
  const dir = mkdtempSync(join(tmpdir(), "lockerctl-port0-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("says the port is chosen at start and where to find it", async () => {
    const config = join(dir, "lockerd.json");
    writeFileSync(config, JSON.stringify({ dataDir: dir, http: { host: "127.0.0.1", port: 0 }, hardware: { driver: "sim" } }));
    const env = { ...withoutLockerdVars(process.env), LOCKERD_CONFIG: config };
    const p = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "doctor", "--json"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const r = await collect(p, []);
    const daemon = json<{ checks: Check[] }>(r).checks.find((c) => c.id === "daemon")!;
    expect(daemon.status).toBe("fail");
    expect(daemon.detail).toMatch(/chooses its port when it starts/);
    expect(daemon.detail).toMatch(/API listening/);
  });
});
