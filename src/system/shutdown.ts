/**
 * Stopping on a signal: the daemon's ordered stop (outputs off first, devices closed, database
 * closed after its last synchronous transaction), within a bound. A second signal, the bound
 * running out or a crash takes the forced path instead: outputs off (itself bounded, a board may
 * not answer) and exit. systemd's ExecStopPost switches the outputs off once more whatever
 * happened here.
 */
import type { Logger } from "./logger.js";
import type { Notifier } from "./notify.js";

export interface ShutdownDeps {
  log: Logger;
  notifier: Notifier;
  /** The daemon's ordered stop. */
  stop(): Promise<void>;
  /** Every lock output off, now. */
  outputsOff(): Promise<void>;
  /** How long the ordered stop may take. */
  timeoutMs: number;
  /** How long the forced path waits for the outputs to switch off. */
  forceOffTimeoutMs?: number;
  exit(code: number): void;
}

export interface Shutdown {
  /** A stop request (a signal). The first stops in order, the second forces. */
  request(reason: string): void;
  /** Something went wrong that the process cannot survive: outputs off, exit 1. */
  fatal(err: unknown): void;
}

export function createShutdown(deps: ShutdownDeps): Shutdown {
  const { log, notifier } = deps;
  let phase: "running" | "stopping" | "forcing" = "running";
  let bound: NodeJS.Timeout | null = null;

  const finish = (code: number) => {
    if (bound) clearTimeout(bound);
    notifier.close();
    // pino writes asynchronously: let the last lines reach journald before exiting.
    let exited = false;
    // Not unref'd: the process must end through exit(code), not by running out of work.
    const fallback = setTimeout(() => done(), 500);
    const done = () => {
      if (exited) return;
      exited = true;
      clearTimeout(fallback);
      deps.exit(code);
    };
    try {
      log.flush(() => done());
    } catch {
      done();
    }
  };

  const force = (why: string, code: number) => {
    if (phase === "forcing") return;
    phase = "forcing";
    notifier.stopping(`forced stop: ${why}`);
    const limit = deps.forceOffTimeoutMs ?? 2000;
    let limitTimer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      limitTimer = setTimeout(() => resolve("timeout"), limit);
    });
    void Promise.race([deps.outputsOff().then(() => "off" as const), timedOut])
      .then(
        (r) => {
          if (r === "timeout") log.error({ limitMs: limit }, "outputs did not confirm off in time; exiting anyway");
          else log.warn("all outputs off; exiting");
        },
        (err: unknown) => log.error({ err }, "switching outputs off failed; exiting anyway"),
      )
      .finally(() => {
        clearTimeout(limitTimer);
        finish(code);
      });
  };

  return {
    request(reason) {
      if (phase === "forcing") return;
      if (phase === "stopping") {
        log.warn({ reason }, "second stop request: forcing the exit");
        force(`second ${reason}`, 1);
        return;
      }
      phase = "stopping";
      log.info({ reason, boundMs: deps.timeoutMs }, "stopping");
      notifier.stopping(`stopping (${reason})`);
      bound = setTimeout(() => {
        log.error({ boundMs: deps.timeoutMs }, "stop did not finish in time: forcing the exit");
        force("stop timed out", 1);
      }, deps.timeoutMs);
      deps.stop().then(
        () => {
          if (phase !== "stopping") return;
          log.info("stopped");
          finish(0);
        },
        (err: unknown) => {
          if (phase !== "stopping") return;
          log.error({ err }, "error while stopping");
          force("error while stopping", 1);
        },
      );
    },
    fatal(err) {
      log.fatal({ err }, "fatal error: switching outputs off and exiting");
      force("fatal error", 1);
    },
  };
}
