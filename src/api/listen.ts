/**
 * Where the API listens: TCP (HTTP, or HTTPS with certificate files from the configuration) on
 * a configured address, and a unix socket for local tools. Connections through the socket are
 * a technician without a token, so the socket file is created with a strict umask and then
 * given the configured mode and group; a stale socket is removed only if nobody answers on it.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo } from "node:net";
import { dirname } from "node:path";
import { ConfigError } from "../config/errors.js";
import type { Logger } from "../system/logger.js";
import { markLocalSocket } from "./auth.js";

export interface ListenSettings {
  host: string;
  port: number;
  tls: { certFile: string; keyFile: string } | null;
  socket: { path: string; mode: number; group: string | number | null } | null;
}

export interface Listening {
  /** http(s)://host:port */
  url: string;
  socketPath: string | null;
  close(): Promise<void>;
}

// sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH = 107;

/** A client on the local network gets this long to send its request (slow-client protection). */
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 15_000;

function limitSlowClients(server: Server): Server {
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  return server;
}

export async function listenApi(app: RequestListener, s: ListenSettings, log: Logger): Promise<Listening> {
  const servers: Server[] = [];
  const closeAll = async () => {
    await Promise.all(servers.map((srv) => closeServer(srv)));
  };
  try {
    const tcp = limitSlowClients(
      s.tls ? createHttpsServer({ cert: readTlsFile(s.tls.certFile, "certFile"), key: readTlsFile(s.tls.keyFile, "keyFile") }, app) : createHttpServer(app),
    );
    servers.push(tcp);
    await listening(tcp, () => tcp.listen(s.port, s.host));
    const addr = tcp.address() as AddressInfo;
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    const url = `${s.tls ? "https" : "http"}://${host}:${addr.port}`;

    let socketPath: string | null = null;
    if (s.socket) {
      const unix = limitSlowClients(createHttpServer(app));
      unix.on("connection", markLocalSocket);
      servers.push(unix);
      await listenUnix(unix, s.socket);
      socketPath = s.socket.path;
      log.info({ socket: socketPath, mode: s.socket.mode.toString(8) }, "API listening on unix socket");
    }
    return {
      url,
      socketPath,
      async close() {
        await closeAll();
        if (socketPath) removeIfSocket(socketPath);
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

function readTlsFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError("configuration", [`http.tls.${key}: cannot read ${path}: ${(e as Error).message}`]);
  }
}

async function listenUnix(server: Server, sock: NonNullable<ListenSettings["socket"]>): Promise<void> {
  const path = sock.path;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new ConfigError("configuration", [`http.socket: ${path} is longer than ${MAX_SOCKET_PATH} bytes, the limit for a unix socket path`]);
  }
  const gid = sock.group === null ? null : resolveGroup(sock.group);
  mkdirSync(dirname(path), { recursive: true });
  await removeStaleSocket(path);
  // bind() creates the file synchronously inside listen(): nobody else can connect before chmod.
  await listening(server, () => {
    const old = process.umask(0o177);
    try {
      server.listen(path);
    } finally {
      process.umask(old);
    }
  });
  if (gid !== null) chownSync(path, -1, gid);
  chmodSync(path, sock.mode);
}

/** A socket file left by a daemon that died: remove it, unless something still answers on it. */
async function removeStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new ConfigError("configuration", [`http.socket: ${path} exists and is not a socket; refusing to replace it`]);
  const alive = await new Promise<boolean>((resolve) => {
    const c = connect(path);
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
  if (alive) throw new Error(`another process is listening on ${path}; is lockerd already running?`);
  removeIfSocket(path);
}

function removeIfSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}

/** A group name or gid to a gid, from /etc/group (node has no getgrnam). */
export function resolveGroup(group: string | number, groupFile = "/etc/group"): number {
  if (typeof group === "number") return group;
  let text = "";
  try {
    text = readFileSync(groupFile, "utf8");
  } catch {
    // fall through to the error below
  }
  for (const line of text.split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new ConfigError("configuration", [`http.socketGroup: no group named ${JSON.stringify(group)} in ${groupFile}`]);
}

function listening(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolve();
    });
    start();
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
