/**
 * sd_notify: tells systemd (Type=notify) when lockerd is ready, that it is alive (watchdog), what
 * it is doing (STATUS=) and that it is stopping. Messages are datagrams on the unix socket named
 * by NOTIFY_SOCKET; Node has no unix datagram sockets, so the native `unix-dgram` sends them.
 * Without NOTIFY_SOCKET (a terminal, tests, another service manager) every call is a no-op.
 *
 * Watchdog pings come from a timer on the main event loop, never from a thread: a loop stalled
 * by a busy handler or a blocking call stops the pings and systemd restarts the daemon.
 */
import { createRequire } from "node:module";
import type { Logger } from "./logger.js";

/** The part of unix-dgram's socket we use (the package ships no types). */
interface DgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  close(): void;
  on(event: "error", fn: (err: Error) => void): void;
}
type UnixDgram = { createSocket(type: "unix_dgram"): DgramSocket };

export interface Notifier {
  /** True when NOTIFY_SOCKET names a socket lockerd can reach. */
  readonly enabled: boolean;
  /** The watchdog interval in ms (half of WATCHDOG_USEC), or null when there is no watchdog. */
  readonly watchdogIntervalMs: number | null;
  /** READY=1 with an optional status line. */
  ready(status?: string): void;
  /** STOPPING=1 with an optional status line; also stops the watchdog pings. */
  stopping(status?: string): void;
  /** A STATUS= line (shown by `systemctl status`). */
  status(text: string): void;
  /** Begin WATCHDOG=1 pings at half of WATCHDOG_USEC (no-op without a watchdog). */
  startWatchdog(): void;
  stopWatchdog(): void;
  /** Stop pinging and close the socket. Safe to call twice. */
  close(): void;
}

export interface NotifyEnv {
  NOTIFY_SOCKET?: string | undefined;
  WATCHDOG_USEC?: string | undefined;
  WATCHDOG_PID?: string | undefined;
}

/**
 * The socket address NOTIFY_SOCKET names: a filesystem path, or an abstract name ("@name",
 * sent to the kernel as "\0name"). Returns null for anything else.
 */
export function parseNotifySocket(value: string | undefined): { kind: "path" | "abstract"; address: string } | null {
  if (!value) return null;
  if (value.startsWith("/")) return { kind: "path", address: value };
  if (value.startsWith("@") && value.length > 1) return { kind: "abstract", address: "\0" + value.slice(1) };
  return null;
}

/**
 * The watchdog ping interval: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, or null
 * when there is no watchdog or it is meant for another process (WATCHDOG_PID).
 */
export function watchdogInterval(env: NotifyEnv, pid = process.pid): number | null {
  if (!env.WATCHDOG_USEC || !/^\d+$/.test(env.WATCHDOG_USEC)) return null;
  if (env.WATCHDOG_PID && env.WATCHDOG_PID !== String(pid)) return null;
  const usec = Number(env.WATCHDOG_USEC);
  if (usec <= 0) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

const NOOP: Notifier = {
  enabled: false,
  watchdogIntervalMs: null,
  ready: () => {},
  stopping: () => {},
  status: () => {},
  startWatchdog: () => {},
  stopWatchdog: () => {},
  close: () => {},
};

/**
 * A notifier for this process's environment. The variables are removed from process.env (as
 * sd_notify's unset_environment does) so that commands lockerd runs do not talk to systemd in
 * its name.
 */
export function createNotifier(log: Logger, env: NotifyEnv = process.env, unsetEnvironment = env === process.env): Notifier {
  const target = parseNotifySocket(env.NOTIFY_SOCKET);
  const intervalMs = watchdogInterval(env);
  if (unsetEnvironment) {
    delete process.env.NOTIFY_SOCKET;
    delete process.env.WATCHDOG_USEC;
    delete process.env.WATCHDOG_PID;
  }
  if (env.NOTIFY_SOCKET && !target) log.warn({ notifySocket: env.NOTIFY_SOCKET }, "NOTIFY_SOCKET is neither a path nor an @abstract name; not notifying systemd");
  if (!target) return NOOP;
  if (target.kind === "abstract") {
    // unix-dgram copies the address with strncpy (stops at the leading NUL) and sends a
    // full-length sockaddr, so it cannot reach an abstract socket. systemd's system and user
    // managers use path sockets (/run/systemd/notify); abstract names come from containers.
    log.warn({ notifySocket: env.NOTIFY_SOCKET }, "NOTIFY_SOCKET is an abstract socket, which lockerd cannot reach; readiness and watchdog are not reported");
    return NOOP;
  }

  const require = createRequire(import.meta.url);
  const dgram = require("unix-dgram") as UnixDgram;
  let socket: DgramSocket | null = dgram.createSocket("unix_dgram");
  socket.on("error", (err) => log.warn({ err }, "sd_notify socket error"));
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;

  const send = (message: string) => {
    if (!socket) return;
    const buf = Buffer.from(message, "utf8");
    socket.send(buf, 0, buf.length, target.address, (err) => {
      if (!err) {
        failures = 0;
        return;
      }
      // Log the first failure of a run, not one line per watchdog ping.
      if (failures++ === 0) log.warn({ err, message: message.split("\n")[0] }, "sd_notify message not delivered");
    });
  };
  // STATUS= is one line: a newline would start another assignment.
  const statusLine = (text: string) => "STATUS=" + text.replace(/[\r\n]+/g, " ");

  const stopWatchdog = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };

  return {
    enabled: true,
    watchdogIntervalMs: intervalMs,
    ready(status) {
      send(status ? `READY=1\n${statusLine(status)}` : "READY=1");
    },
    stopping(status) {
      stopWatchdog();
      send(status ? `STOPPING=1\n${statusLine(status)}` : "STOPPING=1");
    },
    status(text) {
      send(statusLine(text));
    },
    startWatchdog() {
      if (intervalMs === null || timer) return;
      send("WATCHDOG=1");
      timer = setInterval(() => send("WATCHDOG=1"), intervalMs);
      // The pings must not keep a stopping daemon alive.
      timer.unref();
    },
    stopWatchdog,
    close() {
      stopWatchdog();
      if (!socket) return;
      try {
        socket.close();
      } catch (e) {
        log.warn({ err: e }, "closing the sd_notify socket failed");
      }
      socket = null;
    },
  };
}
