/** A real daemon (simulated lock bank, real SQLite in a temp dir) and a raw HTTP client for the API tests. */
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashToken, ROLES, type Role } from "../../src/api/auth.js";
import { loadConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon, type DaemonOptions } from "../../src/daemon.js";
import type { SimLockBank } from "../../src/drivers/sim/sim-lock-bank.js";
import { createLogger, type Logger } from "../../src/system/logger.js";

export const TOKENS: Record<Role, string> = Object.fromEntries(ROLES.map((r) => [r, `test-${r}-token-0123456789abcdef`])) as Record<Role, string>;

export interface TestBank {
  daemon: Daemon;
  dir: string;
  url: string;
  sim: SimLockBank;
  stop(): Promise<void>;
}

export interface BankOptions {
  log?: Logger;
  /** Configure a token per role (default true). */
  tokens?: boolean;
  http?: Record<string, unknown>;
  /** The simulated person who opens and closes unlocked doors (default on, fast). */
  person?: boolean;
  env?: NodeJS.ProcessEnv;
  /** More top-level configuration sections (e.g. passes, returns, bank). */
  config?: Record<string, unknown>;
  /** Options handed to startDaemon besides the simulated devices. */
  daemon?: DaemonOptions;
}

export async function startBank(opts: BankOptions = {}): Promise<TestBank> {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-api-"));
  const cfg = {
    dataDir: join(dir, "var"),
    http: { host: "127.0.0.1", port: 0, ...(opts.http ?? {}) },
    api: { tokens: opts.tokens === false ? [] : ROLES.map((role) => ({ name: `test-${role}`, role, sha256: hashToken(TOKENS[role]) })) },
    hardware: { driver: "sim", sim: { person: { enabled: opts.person ?? true, openDelayMs: 20, closeDelayMs: 300 } } },
    // Tests also move doors by hand, instantly: no sensor settle time.
    doors: { sensorSettleMs: 0 },
    log: { level: "silent" },
    ...(opts.config ?? {}),
  };
  const path = join(dir, "lockerd.json");
  writeFileSync(path, JSON.stringify(cfg));
  let daemon: Daemon;
  try {
    daemon = await startDaemon(loadConfig({ path, env: opts.env ?? {} }), opts.log ?? createLogger({ level: "silent" }), opts.daemon);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    daemon,
    dir,
    url: daemon.url!,
    sim: daemon.lockBank as SimLockBank,
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  token?: string | null;
  socketPath?: string;
  ca?: Buffer;
  /** For an event stream: resolve as soon as the status and headers arrive, then drop the connection. */
  headersOnly?: boolean;
}

/** One HTTP(S) request with full control over path, headers and body bytes. */
export function call(base: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body));
    headers["content-type"] ??= "application/json";
    headers["content-length"] = String(payload.length);
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...(opts.socketPath ? { socketPath: opts.socketPath } : { host: url.hostname, port: url.port }),
        path,
        method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
        headers,
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        if (opts.headersOnly && String(res.headers["content-type"]).startsWith("text/event-stream")) {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: "", json: () => null });
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Wait until a condition holds (door moved, event recorded), polling; fails after timeoutMs. */
export async function until(what: string, fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Everything a request could change, to compare before and after. */
export function snapshot(d: Daemon): string {
  const db = d.store.db;
  return JSON.stringify({
    lockers: db.prepare("SELECT id, status, service_reason, failed_opens FROM lockers ORDER BY id").all(),
    parcels: db.prepare("SELECT * FROM parcels ORDER BY id").all(),
    intents: db.prepare("SELECT * FROM door_intents ORDER BY id").all(),
    events: db.prepare("SELECT seq, type FROM events ORDER BY seq").all(),
  });
}

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** A Server-Sent Events client on a raw request: collects parsed events as they arrive. */
export function openStream(base: string, path: string, opts: { token?: string; headers?: Record<string, string> } = {}) {
  const url = new URL(base);
  const events: SseEvent[] = [];
  let status = 0;
  let buffer = "";
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    path,
    headers: { accept: "text/event-stream", ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.headers ?? {}) },
  });
  const opened = new Promise<number>((resolve, reject) => {
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const e: SseEvent = {};
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) e.comment = line.slice(1).trim();
            const m = /^(id|event|data|retry): ?(.*)$/.exec(line);
            if (m && m[1] !== "retry") e[m[1] as "id" | "event" | "data"] = m[2]!;
          }
          events.push(e);
        }
      });
      resolve(status);
    });
    req.on("error", reject);
  });
  req.end();
  return {
    events,
    opened,
    /** Bank events only (with an id), parsed. */
    bankEvents: () => events.filter((e) => e.id !== undefined).map((e) => ({ id: Number(e.id), event: e.event!, data: JSON.parse(e.data!) as Record<string, unknown> })),
    close: () => req.destroy(),
  };
}

/** The bank-specific parts of ApiDeps, for tests that build a second API on a test bank. */
export function bankDeps(bank: TestBank) {
  const devices = bank.daemon.kioskDevices;
  return {
    bankId: bank.daemon.cfg.bank.id,
    layout: bank.daemon.layout,
    driverKind: bank.daemon.lockBank.kind,
    hardwareOffline: () => bank.daemon.lockBank.offline(),
    sim: bank.sim,
    simInput: {
      keypad: devices.keypad instanceof SimKeypad ? devices.keypad : null,
      scanner: devices.scanner instanceof SimScanner ? devices.scanner : null,
      indicator: devices.indicator instanceof SimIndicator ? devices.indicator : null,
    },
  };
}
