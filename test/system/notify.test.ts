import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/system/logger.js";
import { createNotifier, parseNotifySocket, watchdogInterval, type Notifier } from "../../src/system/notify.js";
import { bindFakeNotifySocket, type FakeNotifySocket } from "./notify-socket.js";

function memoryLog() {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on("data", (b: Buffer) => lines.push(...b.toString().split("\n").filter(Boolean)));
  return { log: createLogger({ level: "info", pretty: false }, out), lines };
}

describe("sd_notify", () => {
  let dir: string;
  let sock: FakeNotifySocket;
  let notifier: Notifier | null = null;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-notify-"));
    sock = bindFakeNotifySocket(join(dir, "notify.sock"));
  });
  afterEach(() => {
    notifier?.close();
    notifier = null;
    sock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends READY with a one-line status, STATUS and STOPPING to the socket NOTIFY_SOCKET names", async () => {
    notifier = createNotifier(memoryLog().log, { NOTIFY_SOCKET: sock.path });
    expect(notifier.enabled).toBe(true);
    notifier.status("checking\nthe database");
    notifier.ready("ready: bank demo");
    notifier.stopping();
    await sock.waitFor((m) => m.startsWith("STOPPING=1"));
    expect(sock.messages).toEqual(["STATUS=checking the database", "READY=1\nSTATUS=ready: bank demo", "STOPPING=1"]);
  });

  it("pings the watchdog at half of WATCHDOG_USEC from the event loop until stopping", async () => {
    notifier = createNotifier(memoryLog().log, { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: "100000" });
    expect(notifier.watchdogIntervalMs).toBe(50);
    notifier.startWatchdog();
    await sock.waitFor(() => sock.messages.filter((m) => m === "WATCHDOG=1").length >= 3);
    notifier.stopping();
    await sock.waitFor((m) => m === "STOPPING=1");
    const count = sock.messages.filter((m) => m === "WATCHDOG=1").length;
    await new Promise((r) => setTimeout(r, 150));
    expect(sock.messages.filter((m) => m === "WATCHDOG=1").length).toBe(count);
  });

  it("is a no-op without NOTIFY_SOCKET", () => {
    notifier = createNotifier(memoryLog().log, {});
    expect(notifier.enabled).toBe(false);
    notifier.ready();
    notifier.startWatchdog();
    notifier.stopping();
    expect(sock.messages).toEqual([]);
  });

  it("recognises abstract socket names and says it cannot reach them instead of sending elsewhere", () => {
    expect(parseNotifySocket("@/org/freedesktop/systemd1/notify")).toEqual({ kind: "abstract", address: "\0/org/freedesktop/systemd1/notify" });
    expect(parseNotifySocket("/run/systemd/notify")).toEqual({ kind: "path", address: "/run/systemd/notify" });
    expect(parseNotifySocket("relative/path")).toBeNull();
    const { log, lines } = memoryLog();
    notifier = createNotifier(log, { NOTIFY_SOCKET: "@lockerd-test" });
    expect(notifier.enabled).toBe(false);
    expect(lines.join("\n")).toContain("abstract socket");
  });

  it("ignores a watchdog meant for another process and malformed values", () => {
    expect(watchdogInterval({ WATCHDOG_USEC: "30000000" }, 42)).toBe(15_000);
    expect(watchdogInterval({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "42" }, 42)).toBe(15_000);
    expect(watchdogInterval({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "43" }, 42)).toBeNull();
    expect(watchdogInterval({ WATCHDOG_USEC: "soon" }, 42)).toBeNull();
    expect(watchdogInterval({}, 42)).toBeNull();
  });

  it("removes the variables from process.env so child commands do not notify in its name", () => {
    const saved = { NOTIFY_SOCKET: process.env.NOTIFY_SOCKET, WATCHDOG_USEC: process.env.WATCHDOG_USEC };
    try {
      process.env.NOTIFY_SOCKET = sock.path;
      process.env.WATCHDOG_USEC = "1000000";
      notifier = createNotifier(memoryLog().log);
      expect(notifier.enabled).toBe(true);
      expect(process.env.NOTIFY_SOCKET).toBeUndefined();
      expect(process.env.WATCHDOG_USEC).toBeUndefined();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
