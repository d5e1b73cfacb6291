/**
 * Building the sync loop from the configuration: the connection to the central database
 * (password from a file, TLS as configured), made from a worker thread, and the loop's timings.
 * Null when sync is off.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type pg from "pg";
import type { BankContext } from "../bank/context.js";
import type { ResolvedConfig } from "../config/load.js";
import type { Logger } from "../system/logger.js";
import type { Foreground } from "../basics/foreground.js";
import type { CommandTrust, TrustedKey } from "../bank/remote-commands.js";
import { publicKeyFromBase64 } from "../signing/ed25519.js";
import { SyncLoop } from "./loop.js";
import { WorkerUplink } from "./worker-uplink.js";

export function createSyncLoop(cfg: ResolvedConfig, ctx: BankContext, log: Logger, foreground?: Foreground): SyncLoop | null {
  const s = cfg.sync;
  if (!s.enabled) return null;
  const syncLog = log.child({ component: "sync" });
  const base = cfg.paths.config ? dirname(cfg.paths.config) : process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  // Reading batches, building their JSON and the PostgreSQL work run in a worker thread.
  const link = new WorkerUplink({ dbPath: cfg.paths.database, connection: connectionConfig(cfg, abs, syncLog), bankKey: bankKey(cfg, abs, syncLog) });
  return new SyncLoop(
    { ctx, link, log: syncLog, trust: commandTrust(cfg), ...(foreground ? { foreground } : {}) },
    {
      bankId: cfg.bank.id,
      batchSize: s.batchSize,
      intervalMs: s.intervalMs,
      backoffMinMs: s.backoffMinMs,
      backoffMaxMs: s.backoffMaxMs,
      retentionMs: s.retentionDays * 86_400_000,
      commandPollMs: s.commandPollMs,
    },
  );
}

/** The operator keys and limits central commands are checked against (commands.* in the configuration). */
export function commandTrust(cfg: Pick<ResolvedConfig, "bank" | "commands">): CommandTrust {
  const keys = new Map<string, TrustedKey>();
  for (const k of cfg.commands.trustedKeys) {
    const pk = publicKeyFromBase64(k.publicKey);
    keys.set(pk.keyId, { ...pk, name: k.name });
  }
  return {
    bankId: cfg.bank.id,
    keys,
    maxRemoteOpensPerHour: cfg.commands.maxRemoteOpensPerHour,
    clockSkewMs: cfg.commands.clockSkewMs,
    maxValidityMs: cfg.commands.maxValidityMs,
  };
}

/** The bank's key from sync.keyFile, if one is configured. */
export function bankKey(cfg: ResolvedConfig, abs: (p: string) => string, log: Logger): string | undefined {
  const file = cfg.sync.keyFile;
  if (!file) return undefined;
  const path = abs(file);
  if ((statSync(path).mode & 0o077) !== 0) log.warn({ path }, "the sync key file is readable by others; chmod 600 it");
  return readFileSync(path, "utf8").trim();
}

export function connectionConfig(cfg: ResolvedConfig, abs: (p: string) => string, log: Logger): pg.ClientConfig {
  const s = cfg.sync;
  const c: pg.ClientConfig = {
    port: s.port,
    connectionTimeoutMillis: s.connectTimeoutMs,
    statement_timeout: s.statementTimeoutMs,
    query_timeout: s.statementTimeoutMs + 5000,
  };
  if (s.url) {
    // Parsed here rather than handed to pg as connectionString, which would override the
    // password from the file with the URL's (absent) one.
    const u = new URL(s.url);
    c.host = decodeURIComponent(u.hostname.replace(/^\[(.*)\]$/, "$1"));
    if (u.port) c.port = Number(u.port);
    c.database = decodeURIComponent(u.pathname.replace(/^\//, "")) || undefined;
    c.user = decodeURIComponent(u.username) || undefined;
    if (u.password) c.password = decodeURIComponent(u.password);
  }
  if (s.host) c.host = s.host;
  if (s.database) c.database = s.database;
  if (s.user) c.user = s.user;
  if (s.passwordFile) {
    const path = abs(s.passwordFile);
    if ((statSync(path).mode & 0o077) !== 0) log.warn({ path }, "the sync password file is readable by others; chmod 600 it");
    c.password = readFileSync(path, "utf8").replace(/\r?\n$/, "");
  }
  if (s.tls === "require") c.ssl = { rejectUnauthorized: false };
  else if (s.tls === "verify-full") c.ssl = { rejectUnauthorized: true, ...(s.caFile ? { ca: readFileSync(abs(s.caFile), "utf8") } : {}) };
  return c;
}
