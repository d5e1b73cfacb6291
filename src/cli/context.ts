/**
 * What every command is handed: the parsed global options, the configuration (same loading as
 * the daemon), the way to reach the daemon, the database path for read-only fallback, and the
 * output. Resolution is lazy so `--help` and `backup` work with a broken or missing daemon.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../config/errors.js";
import { loadLayout, type BankLayout } from "../config/layout.js";
import { loadConfig, type ResolvedConfig } from "../config/load.js";
import { Client, type Target } from "./client.js";
import { CliError, usageError, type UnreachableError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { Output } from "./output.js";

export interface GlobalOptions {
  config?: string | undefined;
  url?: string | undefined;
  token?: string | undefined;
  socket?: string | undefined;
  db?: string | undefined;
  json?: boolean | undefined;
}

export const GLOBAL_OPTIONS = {
  config: { type: "string", short: "c" },
  url: { type: "string" },
  token: { type: "string" },
  socket: { type: "string" },
  db: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

export const GLOBAL_HELP = `Global options:
  -c, --config FILE   lockerd's configuration (default: $LOCKERD_CONFIG, else the demo defaults)
  --socket PATH       the daemon's unix socket (default: http.socket, else <dataDir>/lockerd.sock)
  --url URL           reach the daemon over HTTP instead (default: $LOCKERD_URL)
  --token TOKEN       bearer token for --url (default: $LOCKERD_API_TOKEN)
  --db FILE           the SQLite file for read-only fallback and backup (default: from the config)
  --json              machine-readable output on stdout
  -h, --help          help for lockerctl or for one command
  -V, --version       lockerctl's version (the lockerd package's)`;

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

export class CliContext {
  readonly out: Output;
  private cfgResult: { cfg: ResolvedConfig } | { error: ConfigError } | null = null;
  private clientValue: Client | null = null;
  /** Set when a daemon was tried and could not be reached (commands with a fallback). */
  unreachable: UnreachableError | null = null;

  constructor(
    readonly opts: GlobalOptions,
    readonly io: Io,
  ) {
    const json = opts.json === true;
    const color = !json && io.stdout.isTTY === true && !io.env.NO_COLOR;
    this.out = new Output({ json, color, stdout: io.stdout, stderr: io.stderr });
  }

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  /** The configuration, or throw exit 78 listing every problem. */
  config(): ResolvedConfig {
    const r = this.configResult();
    if ("error" in r) throw new CliError(`invalid configuration\n${r.error.message}`, EXIT.CONFIG, "CONFIG");
    return r.cfg;
  }

  configResult(): { cfg: ResolvedConfig } | { error: ConfigError } {
    if (!this.cfgResult) {
      try {
        this.cfgResult = { cfg: loadConfig({ path: this.opts.config ?? null, env: this.env }) };
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        this.cfgResult = { error: e };
      }
    }
    return this.cfgResult;
  }

  /** The configuration file as written (for keys newer slices add), or {} when there is none. */
  rawConfig(): Record<string, unknown> {
    const r = this.configResult();
    if ("cfg" in r) return r.cfg as unknown as Record<string, unknown>;
    const path = this.opts.config ?? this.env.LOCKERD_CONFIG;
    if (!path) return {};
    try {
      return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  /** The database file the running daemon reported (askDaemonForDatabase), if it did. */
  private daemonDatabase: string | null = null;

  /**
   * Learn the running daemon's database file from the daemon itself (GET /daemon): it may have
   * been started with LOCKERD_DB or another configuration than lockerctl sees. Quiet when the
   * daemon is down, older, or not reachable: databasePath() then falls back to the configuration.
   */
  async askDaemonForDatabase(): Promise<string | null> {
    if (this.opts.db) return null;
    try {
      const d = await this.client().get<{ database?: unknown }>("/daemon");
      if (typeof d.database === "string" && d.database !== "" && d.database !== ":memory:") this.daemonDatabase = d.database;
    } catch {
      /* down, older (no GET /daemon), or no way to reach it: the configuration decides */
    }
    return this.daemonDatabase;
  }

  /** Where the database file is: --db, else the running daemon's (once asked), else the configuration (LOCKERD_DB included). */
  databasePath(): string {
    if (this.opts.db) return this.opts.db;
    if (this.daemonDatabase) return this.daemonDatabase;
    return this.config().paths.database;
  }

  /** The layout's columns, or null when it cannot be read (a remote bank, say). */
  layout(): BankLayout | null {
    const r = this.configResult();
    if ("error" in r) return null;
    try {
      return loadLayout(r.cfg.paths.layout, r.cfg.bank.sizes);
    } catch {
      return null;
    }
  }

  client(): Client {
    this.clientValue ??= new Client(this.target());
    return this.clientValue;
  }

  /** --url / LOCKERD_URL, else --socket, else the configured socket if it exists, else the configured TCP address. */
  target(): Target {
    const token = this.opts.token ?? (this.env.LOCKERD_API_TOKEN || null);
    const url = this.opts.url ?? (this.env.LOCKERD_URL || undefined);
    if (url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw usageError(`--url: not a URL: ${url}`);
      }
      return { kind: "url", url: parsed, token };
    }
    if (this.opts.socket) return { kind: "socket", path: this.opts.socket, token: this.opts.token ?? null };
    const cfg = this.config();
    const socket = configuredSocket(cfg);
    if (socket && existsSync(socket)) return { kind: "socket", path: socket, token: this.opts.token ?? null };
    const host = cfg.http.host.includes(":") ? `[${cfg.http.host}]` : cfg.http.host;
    const target: Target = { kind: "url", url: new URL(`http://${host === "0.0.0.0" ? "127.0.0.1" : host === "[::]" ? "[::1]" : host}:${cfg.http.port}`), token };
    if (cfg.http.port === 0) target.note = portChosenAtStart(socket);
    return target;
  }
}

/** http.socket: a path, default <dataDir>/lockerd.sock; null or false disables it. */
export function configuredSocket(cfg: ResolvedConfig): string | null {
  const fromPaths = (cfg.paths as Record<string, unknown>).socket;
  if (typeof fromPaths === "string") return fromPaths;
  const http = cfg.http as Record<string, unknown>;
  if (http.socket === null || http.socket === false) return null;
  if (typeof http.socket === "string") return resolve(cfg.paths.config ? dirname(cfg.paths.config) : process.cwd(), http.socket);
  return join(dirname(cfg.paths.secret), "lockerd.sock");
}

/** http.port 0: no address to try until the daemon has started; say where to find it. */
function portChosenAtStart(socket: string | null): string {
  return (
    "http.port is 0: the daemon chooses its port when it starts, so there is no address to try while it is down. " +
    "Once it runs, its log line \"API listening\" gives the URL (journalctl -u lockerd | grep 'API listening'); " +
    (socket ? `lockerctl reaches it through its unix socket ${socket} without asking, ` : "") +
    "or pass that URL with --url (or LOCKERD_URL)."
  );
}
