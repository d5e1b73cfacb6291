/**
 * The real daemon process under a fake systemd: NOTIFY_SOCKET and WATCHDOG_USEC set, SIGTERM
 * to stop it. READY comes once it is up, WATCHDOG pings follow, STOPPING comes at the stop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bindFakeNotifySocket, type FakeNotifySocket } from "./notify-socket.js";

const ROOT = resolve(import.meta.dirname, "../..");

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
}

describe("the daemon under systemd's notify protocol", { timeout: 90_000 }, () => {
  let dir: string;
  let sock: FakeNotifySocket;
  let child: ChildProcess | null = null;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-daemon-notify-"));
    sock = bindFakeNotifySocket(join(dir, "notify.sock"));
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited(child);
    }
    child = null;
    sock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends READY once up, then WATCHDOG pings, then STOPPING on SIGTERM, and exits 0", async () => {
    const config = join(dir, "lockerd.json");
    writeFileSync(config, JSON.stringify({ dataDir: join(dir, "data"), http: { host: "127.0.0.1", port: 0 }, system: { stopTimeoutMs: 5000 } }));
    let output = "";
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--config", config], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: "200000" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (output += b.toString()));

    const ready = await sock.waitFor((m) => m.startsWith("READY=1"));
    expect(ready).toMatch(/^READY=1\nSTATUS=ready: bank demo, 24 lockers, API http:\/\/127\.0\.0\.1:\d+$/);
    const readyAt = sock.messages.indexOf(ready);
    await sock.waitFor(() => sock.messages.slice(readyAt).filter((m) => m === "WATCHDOG=1").length >= 2);

    child.kill("SIGTERM");
    const { code } = await exited(child);
    expect(code, output).toBe(0);

    const kinds = sock.messages.map((m) => m.split("\n")[0]!.split("=")[0]);
    const firstReady = kinds.indexOf("READY");
    const stopping = kinds.indexOf("STOPPING");
    expect(kinds.filter((k) => k === "READY")).toHaveLength(1);
    expect(kinds.filter((k) => k === "STOPPING")).toHaveLength(1);
    expect(firstReady).toBeGreaterThanOrEqual(0);
    expect(stopping).toBeGreaterThan(firstReady);
    expect(kinds.slice(firstReady, stopping)).toContain("WATCHDOG");
    // Nothing claims the daemon alive after it said it is stopping.
    expect(kinds.slice(stopping)).not.toContain("WATCHDOG");
    expect(kinds.slice(stopping)).not.toContain("READY");
    expect(output).toContain('"msg":"lockerd ready"');
    expect(output).toContain('"msg":"stopped"');
  });
});
