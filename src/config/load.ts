/**
 * Loading the configuration: a JSON file (path from --config or LOCKERD_CONFIG, or none at all
 * for the simulated demo bank), then a few environment overrides for quick starts and tests,
 * then the schema. Every problem is reported at once.
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { DEFAULT_LAYOUT } from "../system/paths.js";
import { ConfigError, describeIssues, readJsonConfig } from "./errors.js";
import { configSchema, type Config } from "./schema.js";

export interface ResolvedConfig extends Config {
  /** Absolute paths after resolving defaults and relative paths. */
  paths: {
    config: string | null;
    layout: string;
    database: string;
    secret: string;
    /** The API's unix socket, or null when disabled. */
    socket: string | null;
    tls: { certFile: string; keyFile: string } | null;
  };
  /** A plain technician token from LOCKERD_API_TOKEN (quick starts and tests). */
  envToken: string | null;
}

export interface LoadOptions {
  path?: string | null;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function loadConfig(opts: LoadOptions = {}): ResolvedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const path = opts.path ?? env.LOCKERD_CONFIG ?? null;
  let raw: unknown = {};
  const source = path ?? "configuration";
  if (path) raw = readJsonConfig(path);
  const problems: string[] = [];
  const withEnv = applyEnv(raw, env, cwd, problems);
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) problems.push(...describeIssues(parsed.error.issues, withEnv));
  if (problems.length || !parsed.success) throw new ConfigError(source, problems);

  const cfg = parsed.data;
  const base = path ? dirname(resolve(cwd, path)) : cwd;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const dataDir = abs(cfg.dataDir);
  return {
    ...cfg,
    paths: {
      config: path ? resolve(cwd, path) : null,
      layout: cfg.bank.layout ? abs(cfg.bank.layout) : DEFAULT_LAYOUT,
      database: cfg.database.path ? abs(cfg.database.path) : join(dataDir, "lockerd.db"),
      secret: join(dataDir, "secret.key"),
      socket: cfg.http.socket === undefined ? join(dataDir, "lockerd.sock") : cfg.http.socket ? abs(cfg.http.socket) : null,
      tls: cfg.http.tls ? { certFile: abs(cfg.http.tls.certFile), keyFile: abs(cfg.http.tls.keyFile) } : null,
    },
    envToken: env.LOCKERD_API_TOKEN || null,
  };
}

/** LOCKERD_DB and LOCKERD_HTTP override the file; bad values are listed like file errors. */
function applyEnv(raw: unknown, env: NodeJS.ProcessEnv, cwd: string, problems: string[]): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const out = structuredClone(raw) as Record<string, Record<string, unknown>>;
  if (env.LOCKERD_DB) {
    out.database = { ...(out.database ?? {}), path: resolve(cwd, env.LOCKERD_DB) };
  }
  if (env.LOCKERD_HTTP) {
    const m = /^(.+):(\d{1,5})$/.exec(env.LOCKERD_HTTP);
    if (!m || Number(m[2]) > 65535) problems.push(`LOCKERD_HTTP: expected host:port, e.g. 127.0.0.1:8080 (found ${JSON.stringify(env.LOCKERD_HTTP)})`);
    else out.http = { ...(out.http ?? {}), host: m[1]!.replace(/^\[(.*)\]$/, "$1"), port: Number(m[2]) };
  }
  if (env.LOCKERD_API_TOKEN !== undefined && env.LOCKERD_API_TOKEN.length > 0 && env.LOCKERD_API_TOKEN.length < 16) {
    problems.push("LOCKERD_API_TOKEN: expected at least 16 characters");
  }
  return out;
}
