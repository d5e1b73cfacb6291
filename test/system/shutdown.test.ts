import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/system/logger.js";
import type { Notifier } from "../../src/system/notify.js";
import { createShutdown, type ShutdownDeps } from "../../src/system/shutdown.js";

/** Records what the shutdown did, in order. */
function harness(over: Partial<ShutdownDeps> = {}) {
  const steps: string[] = [];
  const notifier: Notifier = {
    enabled: true,
    watchdogIntervalMs: null,
    ready: () => steps.push("READY"),
    stopping: () => steps.push("STOPPING"),
    status: () => {},
    startWatchdog: () => {},
    stopWatchdog: () => {},
    close: () => steps.push("notify closed"),
  };
  let exitCode!: (code: number) => void;
  const exitedWith = new Promise<number>((r) => (exitCode = r));
  const deps: ShutdownDeps = {
    log: createLogger({ level: "silent", pretty: false }, new PassThrough()),
    notifier,
    stop: async () => {
      steps.push("stop");
    },
    outputsOff: async () => {
      steps.push("outputs off");
    },
    timeoutMs: 200,
    forceOffTimeoutMs: 200,
    exit: (code) => {
      steps.push(`exit ${code}`);
      exitCode(code);
    },
    ...over,
  };
  return { shutdown: createShutdown(deps), steps, exitedWith };
}

const never = () => new Promise<void>(() => {});

describe("stopping on a signal", () => {
  it("tells systemd it is stopping, stops in order and exits 0", async () => {
    const h = harness();
    h.shutdown.request("SIGTERM");
    expect(await h.exitedWith).toBe(0);
    expect(h.steps).toEqual(["STOPPING", "stop", "notify closed", "exit 0"]);
  });

  it("forces the exit with outputs off when the ordered stop overruns its bound", async () => {
    const h = harness({ stop: never });
    h.shutdown.request("SIGTERM");
    expect(await h.exitedWith).toBe(1);
    expect(h.steps).toEqual(["STOPPING", "STOPPING", "outputs off", "notify closed", "exit 1"]);
  });

  it("forces the exit with outputs off at a second signal, before the bound", async () => {
    const h = harness({ stop: never, timeoutMs: 60_000 });
    h.shutdown.request("SIGTERM");
    h.shutdown.request("SIGINT");
    h.shutdown.request("SIGTERM");
    expect(await h.exitedWith).toBe(1);
    expect(h.steps.filter((s) => s === "outputs off")).toHaveLength(1);
    expect(h.steps.at(-1)).toBe("exit 1");
  });

  it("exits even when the outputs do not confirm off (a board that stopped answering)", async () => {
    const h = harness({ stop: never, outputsOff: never, timeoutMs: 50, forceOffTimeoutMs: 50 });
    h.shutdown.request("SIGTERM");
    expect(await h.exitedWith).toBe(1);
  });

  it("switches outputs off and exits 1 on a fatal error, also when stop failed", async () => {
    const h = harness();
    h.shutdown.fatal(new Error("boom"));
    expect(await h.exitedWith).toBe(1);
    expect(h.steps).toEqual(["STOPPING", "outputs off", "notify closed", "exit 1"]);

    const failing = harness({ stop: () => Promise.reject(new Error("disk gone")) });
    failing.shutdown.request("SIGTERM");
    expect(await failing.exitedWith).toBe(1);
    expect(failing.steps).toContain("outputs off");
  });
});
