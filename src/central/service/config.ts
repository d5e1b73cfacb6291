/**
 * lockerd-central's configuration: one schema (every key's type, default and rule), a JSON file
 * (--config or LOCKERD_CENTRAL_CONFIG; none at all is a valid local start), a few environment
 * overrides, and every problem listed at once with its key path, as the bank's configuration.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { ConfigError, describeIssues, readJsonConfig } from "../../config/errors.js";

const ms = (def: number) => z.number().int().min(1).max(86_400_000).default(def);

const databaseSchema = z
  .object({
    /** postgresql://user@host:port/database; or host/port/database/user below; or libpq's PG* variables. */
    url: z.string().regex(/^postgres(ql)?:\/\//, "a postgresql:// URL").optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    database: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    /** File holding the password (mode 0600); relative to the configuration file. */
    passwordFile: z.string().min(1).optional(),
    tls: z.enum(["disable", "require", "verify-full"]).default("disable"),
    /** CA certificate (PEM) for verify-full; default the system's CAs. */
    caFile: z.string().min(1).optional(),
    /** Connections this instance keeps at most (several instances share the server's limit). */
    poolSize: z.number().int().min(1).max(200).default(10),
    connectTimeoutMs: ms(10_000),
    statementTimeoutMs: ms(30_000),
    /** Apply pending central migrations at start (under the migration lock; safe with several instances). */
    migrate: z.boolean().default(false),
  })
  .strict()
  .prefault({});

export const centralConfigSchema = z
  .object({
    /** This instance's name in logs and in claimed work; default host name and process id. */
    instance: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "1-64 letters, digits, _ . : or -").optional(),
    database: databaseSchema,
    http: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8090),
        bodyLimitBytes: z.number().int().min(256).max(1_048_576).default(65_536),
        /** HTTPS instead of HTTP; relative paths are relative to the configuration file. */
        tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).strict().nullable().default(null),
        /**
         * How long a checked bearer token is trusted without asking the database again (0: every
         * request asks). Bounds how late a revocation takes effect at an instance.
         */
        tokenCacheMs: z.number().int().min(0).max(60_000).default(2_000),
      })
      .strict()
      .prefault({}),
    system: z
      .object({
        stopTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        pretty: z.boolean().optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/**
 * The whole schema: the service's own keys above, and one top-level key per module (its name),
 * validated by the module's own settings schema (see module.ts); so the notifier's, the fleet
 * API's and the commands' problems are listed together with the rest, each with its full path.
 */
export function buildCentralConfigSchema(moduleSettings: Readonly<Record<string, z.ZodType>>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(moduleSettings)) {
    if (key in centralConfigSchema.shape) throw new Error(`module ${key}: its name is a configuration key of the service itself`);
    shape[key] = schema;
  }
  return centralConfigSchema.extend(shape);
}

export type CentralConfig = z.infer<typeof centralConfigSchema>;

export interface ResolvedCentralConfig extends CentralConfig {
  /** Each module's settings, parsed by its schema, by module name. */
  modules: Readonly<Record<string, unknown>>;
  instance: string;
  /** Directory relative paths in the file are resolved against. */
  baseDir: string;
  paths: { config: string | null; tls: { certFile: string; keyFile: string } | null; passwordFile: string | null; caFile: string | null };
}

export interface LoadCentralOptions {
  path?: string | null;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default instance name (host name and pid). */
  defaultInstance?: string;
  /** The modules' settings schemas by name (default: none). */
  moduleSettings?: Readonly<Record<string, z.ZodType>>;
}

/** Read, override from the environment, validate. Throws ConfigError listing every problem. */
export function loadCentralConfig(opts: LoadCentralOptions = {}): ResolvedCentralConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const path = opts.path ?? env.LOCKERD_CENTRAL_CONFIG ?? null;
  let raw: unknown = {};
  if (path) raw = readJsonConfig(path);
  const problems: string[] = [];
  const withEnv = applyEnv(raw, env, problems);
  const moduleSettings = opts.moduleSettings ?? {};
  const parsed = buildCentralConfigSchema(moduleSettings).safeParse(withEnv);
  if (!parsed.success) problems.push(...describeIssues(parsed.error.issues, withEnv));
  if (problems.length || !parsed.success) throw new ConfigError(path ?? "configuration", problems);
  const data = parsed.data as Record<string, unknown>;
  const cfg = parsed.data as CentralConfig;
  const modules = Object.fromEntries(Object.keys(moduleSettings).map((k) => [k, data[k]]));
  const baseDir = path ? dirname(resolve(cwd, path)) : cwd;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...cfg,
    modules,
    instance: cfg.instance ?? opts.defaultInstance ?? `central-${process.pid}`,
    baseDir,
    paths: {
      config: path ? resolve(cwd, path) : null,
      tls: cfg.http.tls ? { certFile: abs(cfg.http.tls.certFile), keyFile: abs(cfg.http.tls.keyFile) } : null,
      passwordFile: cfg.database.passwordFile ? abs(cfg.database.passwordFile) : null,
      caFile: cfg.database.caFile ? abs(cfg.database.caFile) : null,
    },
  };
}

/**
 * LOCKERD_CENTRAL_URL (the database, as the central tools read it), LOCKERD_CENTRAL_HTTP
 * (host:port) and LOCKERD_CENTRAL_LOG_LEVEL override the file; bad values are listed like file errors.
 */
function applyEnv(raw: unknown, env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const out = structuredClone(raw) as Record<string, Record<string, unknown>>;
  if (env.LOCKERD_CENTRAL_URL) out.database = { ...(out.database ?? {}), url: env.LOCKERD_CENTRAL_URL };
  if (env.LOCKERD_CENTRAL_HTTP) {
    const m = /^(.+):(\d{1,5})$/.exec(env.LOCKERD_CENTRAL_HTTP);
    if (!m || Number(m[2]) > 65535) problems.push(`LOCKERD_CENTRAL_HTTP: expected host:port, e.g. 127.0.0.1:8090 (found ${JSON.stringify(env.LOCKERD_CENTRAL_HTTP)})`);
    else out.http = { ...(out.http ?? {}), host: m[1]!.replace(/^\[(.*)\]$/, "$1"), port: Number(m[2]) };
  }
  if (env.LOCKERD_CENTRAL_LOG_LEVEL) out.log = { ...(out.log ?? {}), level: env.LOCKERD_CENTRAL_LOG_LEVEL };
  return out;
}
